// Worker side of the parallel parametric bootstrap: refits resamples [from, to) and posts the θ rows back.
import { parentPort, workerData } from "node:worker_threads";
import { bootstrapThetas, type FitData } from "./parametric.js";

interface Job { data: FitData; theta0: number[]; delta: number; seed: number; from: number; to: number; maxIter?: number }

const job = workerData as Job;
const thetas = bootstrapThetas(job.data, job.theta0, job.delta, job.seed, job.from, job.to, job.maxIter);
parentPort!.postMessage(thetas);
