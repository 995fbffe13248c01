// Minimal ANSI styling that honours NO_COLOR (https://no-color.org) and non-TTY output.
const enabled = () => !process.env.NO_COLOR && process.stdout.isTTY === true;
const wrap = (code: number) => (s: string) => (enabled() ? `\x1b[${code}m${s}\x1b[0m` : s);
export const bold = wrap(1);
export const dim = wrap(2);
export const red = wrap(31);
export const green = wrap(32);
export const yellow = wrap(33);
