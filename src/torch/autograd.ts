// Grad mode helpers. Like torch.no_grad(), the mode is a thread-local flag in libtorch; these helpers restore
// the previous mode even when fn throws. Synchronous only (an await inside would leak the mode).
import { native } from "./native.js";

export function noGrad<T>(fn: () => T): T {
  const prev = native.setGradEnabled(false);
  try {
    return fn();
  } finally {
    native.setGradEnabled(prev);
  }
}

export function enableGrad<T>(fn: () => T): T {
  const prev = native.setGradEnabled(true);
  try {
    return fn();
  } finally {
    native.setGradEnabled(prev);
  }
}

export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}

export function setGradEnabled(enabled: boolean): boolean {
  return native.setGradEnabled(enabled);
}
