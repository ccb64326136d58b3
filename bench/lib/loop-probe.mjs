// Preloaded into the app by `--probe` (node --import ./bench/lib/loop-probe.mjs): what the app's event loop did
// during the run, without touching the app's code. Every 100 ms it records the longest event-loop delay seen
// (perf_hooks.monitorEventLoopDelay), the loop's utilisation and the heap in use, and every garbage collection pause
// of 5 ms or more, all stamped with wall-clock time so that the benchmark can line them up with its slowest
// answers. Written to BENCH_PROBE_FILE when the process gets SIGTERM (it then exits: the run is over).
/* global setInterval */
import { writeFileSync } from "node:fs";
import { constants, monitorEventLoopDelay, performance, PerformanceObserver } from "node:perf_hooks";

const file = process.env.BENCH_PROBE_FILE;
if (file) {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  /** [epoch ms at the window's end, max delay ms, event-loop utilisation 0..1, heap used MB] */
  const windows = [];
  /** [epoch ms at the pause's start, duration ms, kind] */
  const gc = [];
  let elu = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    windows.push([
      Date.now(),
      Math.round(delay.max / 1e4) / 100,
      Math.round(performance.eventLoopUtilization(now, elu).utilization * 100) / 100,
      Math.round(process.memoryUsage().heapUsed / 1e5) / 10,
    ]);
    elu = now;
    delay.reset();
  }, 100);
  timer.unref();
  const kinds = {
    [constants.NODE_PERFORMANCE_GC_MAJOR]: "major",
    [constants.NODE_PERFORMANCE_GC_MINOR]: "minor",
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weakcb",
  };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.duration < 5) continue;
      gc.push([Math.round(performance.timeOrigin + entry.startTime), Math.round(entry.duration * 10) / 10, kinds[entry.detail?.kind] ?? String(entry.detail?.kind)]);
    }
  });
  observer.observe({ entryTypes: ["gc"] });
  process.once("SIGTERM", () => {
    writeFileSync(file, JSON.stringify({ windows, gc }));
    process.exit(0);
  });
}
