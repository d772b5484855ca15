package dev.kiln.benchmarks.e2e;

/**
 * One child process: a framework on a workload.
 *
 * @param result what it measured; null when it failed
 * @param failure why it failed (exit status, time-out, no result line); null when it succeeded
 * @param seconds the child's wall time, start-up included
 */
record Run(Workload workload, String framework, Result result, String failure, double seconds) {}
