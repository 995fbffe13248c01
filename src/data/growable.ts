// Append-only typed arrays that double their capacity (per-record metadata during ingest).
export class GrowableU32 {
  private a: Uint32Array;
  length = 0;
  constructor(capacity = 1 << 16) {
    this.a = new Uint32Array(capacity);
  }
  push(v: number): void {
    if (this.length === this.a.length) {
      const b = new Uint32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.length++] = v;
  }
  get(i: number): number {
    return this.a[i]!;
  }
  view(): Uint32Array {
    return this.a.subarray(0, this.length);
  }
}

export class GrowableU8 {
  private a: Uint8Array;
  length = 0;
  constructor(capacity = 1 << 16) {
    this.a = new Uint8Array(capacity);
  }
  push(v: number): void {
    if (this.length === this.a.length) {
      const b = new Uint8Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.length++] = v;
  }
  get(i: number): number {
    return this.a[i]!;
  }
  view(): Uint8Array {
    return this.a.subarray(0, this.length);
  }
}
