// Inference utilities used by evaluation: loading a run, scoring, embeddings, generation.
export { loadModel, type LoadedModel } from "./load.js";
export { clmLogLikelihood, pseudoLogLikelihood, maskedMarginals, parseMutations, type SequenceLikelihood, type Mutation } from "./score.js";
export { embed, type Embedding } from "./embed.js";
export { generate, sampleTopP, type SampleOptions } from "./generate.js";
