// Preloaded into the server only when the bench profiles it (BENCH_CPU_PROF=1): Nest's shutdown
// hook re-raises SIGTERM after closing, which would kill the process before --cpu-prof writes its
// profile; exiting normally lets Node write it.
process.once('SIGTERM', () => setTimeout(() => process.exit(0), 200));
