// The two training objectives, shared by every layer (runs tables, corpora, models, sweeps).
/** "mlm": masked language modelling (ESM-2); "clm": causal, next-token (ProGen2). */
export type Objective = "mlm" | "clm";
export const OBJECTIVES: readonly Objective[] = ["clm", "mlm"];
