// Inference utilities used by evaluation (loading a run, scoring, embeddings, generation) and the `plmscale eval` tasks.
export { loadModel, type LoadedModel } from "./load.js";
export { clmLogLikelihood, pseudoLogLikelihood, maskedMarginals, parseMutations, type SequenceLikelihood, type Mutation } from "./score.js";
export { embed, type Embedding } from "./embed.js";
export { generate, sampleTopP, type SampleOptions } from "./generate.js";
export { evaluateRun, type EvaluationResult } from "./run.js";
export { TASKS, resolveTasks, type EvalTask, type EvalContext, type EvalOptions } from "./tasks.js";
export { fitnessMetrics, spearman, rocAuc, ndcg, topRecall, type FitnessMetrics } from "./metrics.js";
