// ESM-2's vocabulary (docs/CONTRACTS.md): ids identical to Hugging Face's EsmTokenizer, so checkpoints and
// token ids interoperate. Both objectives encode a sequence as `<cls> residues <eos>`.

export const VOCAB: readonly string[] = [
  "<cls>", "<pad>", "<eos>", "<unk>",
  "L", "A", "G", "V", "S", "E", "R", "T", "I", "D", "P", "K", "Q", "N", "F", "Y",
  "M", "H", "W", "C", "X", "B", "U", "Z", "O", ".", "-", "<null_1>", "<mask>",
];
export const VOCAB_SIZE = 33;
export const CLS = 0;
export const PAD = 1;
export const EOS = 2;
export const UNK = 3;
export const MASK = 32;
/** target id meaning "no loss here" (PyTorch's cross-entropy ignore_index) */
export const IGNORE = -100;
/** ids of the 20 standard amino acids (4..23): MLM's random replacement draws from these */
export const FIRST_RESIDUE = 4;
export const STANDARD_RESIDUES = 20;
/** vocab id recorded in shard headers; bump if the vocabulary ever changes */
export const VOCAB_ID = "esm2-33";

/** byte → token id for residue letters (upper and lower case); -1 for anything else */
export const RESIDUE_CODE: Int8Array = (() => {
  const t = new Int8Array(256).fill(-1);
  for (let id = 4; id <= 28; id++) {
    const ch = VOCAB[id]!;
    t[ch.charCodeAt(0)] = id;
    t[ch.toLowerCase().charCodeAt(0)] = id;
  }
  return t;
})();

/** token id → ASCII byte of its residue letter (0 for specials) */
export const RESIDUE_BYTE: Uint8Array = (() => {
  const t = new Uint8Array(VOCAB_SIZE);
  for (let id = 4; id <= 30; id++) t[id] = VOCAB[id]!.charCodeAt(0);
  return t;
})();

/**
 * Residues (letters) → token ids, without <cls>/<eos>. Lower case is folded, a trailing `*` stripped.
 * Throws on a character outside the protein alphabet.
 */
export function encodeResidues(seq: string): Uint8Array {
  let s = seq.trim();
  if (s.endsWith("*")) s = s.slice(0, -1);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const id = c < 256 ? RESIDUE_CODE[c]! : -1;
    if (id < 0) throw new Error(`character '${s[i]}' at position ${i + 1} is not in the protein alphabet`);
    out[i] = id;
  }
  return out;
}

/** Full model encoding: `<cls> residues <eos>` as Int32 ids. */
export function encode(seq: string): Int32Array {
  const r = encodeResidues(seq);
  const out = new Int32Array(r.length + 2);
  out[0] = CLS;
  out.set(r, 1);
  out[r.length + 1] = EOS;
  return out;
}

/** Token ids → text; specials are written as their names unless `residuesOnly`. */
export function decode(ids: ArrayLike<number>, residuesOnly = false): string {
  let s = "";
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id >= 4 && id <= 30) s += VOCAB[id];
    else if (!residuesOnly) s += VOCAB[id] ?? "<unk>";
  }
  return s;
}

/** Residue token ids (uint8) → ASCII letters in a Buffer (for FASTA written to MMseqs2). */
export function residuesToAscii(ids: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(ids.length);
  for (let i = 0; i < ids.length; i++) b[i] = RESIDUE_BYTE[ids[i]!]!;
  return b;
}
