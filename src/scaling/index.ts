// Public surface of src/scaling (pure math; readRunsTable/readCurves are the only file readers).
export * from "./presets.js";
export * from "./runs-table.js";
export * from "./shape.js";
export { fitIsoflop, groupByBudget, budgetMinimum, type IsoflopFit, type IsoflopOptions, type BudgetMinimum } from "./isoflop.js";
export {
  fitParametric, parametricOptimum, impliedAllocation, predictLoss, isDegenerate, parametricDegeneracy, DEGENERACY,
  type ParametricFit, type ParametricLaw, type ParametricOptions,
} from "./parametric.js";
export { fitParametricParallel, type ParallelOptions } from "./bootstrap-pool.js";
export { fitEnvelope, type EnvelopeFit, type EnvelopeOptions, type EnvelopePoint } from "./envelope.js";
export { planModel, type Plan, type PlanInput } from "./planner.js";
export { peakLrFor, batchTokensFor } from "./lr.js";
export * from "./units.js";
export * from "./budgets.js";
export * from "./data-limits.js";
export * from "./transfer.js";
export { holdoutBudget, type HoldoutCheck, type HoldoutOptions } from "./holdout.js";
