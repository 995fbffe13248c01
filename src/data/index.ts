// Public API of the data layer (used by train/, sweep/, eval/ and the CLI). Pure TS + I/O; never imports torch.
export { VOCAB, VOCAB_SIZE, CLS, PAD, EOS, UNK, MASK, IGNORE, VOCAB_ID, encode, encodeResidues, decode } from "./tokenizer.js";
export { scanFasta, readFastaRecords, FastaFormatError, type FastaRecord, type FastaSource, type BadReason, type SequenceRecord } from "./fasta.js";
export { Deduper, contentHash } from "./dedup.js";
export { SPLITS, mmseqsVersion, type Split } from "./cluster.js";
export { prepareCorpus, PrepareError, type PrepareOptions, type SourceSpec, type ProgressEvent } from "./prepare.js";
export { swissprotPreset, swissprotAvailable } from "./swissprot.js";
export { openCorpus, Corpus, type SourceSplit, type SequenceCorpus } from "./corpus.js";
export { MemoryCorpus, readFastaCorpus, type FastaCorpus } from "./memory-corpus.js";
export type { CorpusManifest, SourceManifest } from "./manifest.js";
export { Sampler, type SamplerOptions, type SamplerState, type SourceProgress } from "./sampler.js";
export { BatchPrefetcher } from "./prefetch.js";
export { evalBatches, type EvalOptions } from "./evaluate.js";
export { packSequences, sliceRows, applyMlmMask, applyClmTargets, type Batch } from "./batch.js";
export { corpusStats, type CorpusStats } from "./stats.js";
export { SAMPLE_FILES, sampleSources } from "./samples.js";
