// Public surface of src/scaling (pure math; readRunsTable/readCurves are the only file readers).
export * from "./presets.js";
export * from "./runs-table.js";
export { fitIsoflop, groupByBudget, budgetMinimum, type IsoflopFit, type IsoflopOptions, type BudgetMinimum } from "./isoflop.js";
export {
  fitParametric, parametricOptimum, impliedAllocation, predictLoss,
  type ParametricFit, type ParametricLaw, type ParametricOptions,
} from "./parametric.js";
export { fitEnvelope, type EnvelopeFit, type EnvelopeOptions, type EnvelopePoint } from "./envelope.js";
