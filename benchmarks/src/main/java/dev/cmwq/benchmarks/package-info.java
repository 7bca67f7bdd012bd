/**
 * Side-by-side measurements of cmwq against its peers (DESIGN §9), reported as ratios in the
 * module's README.
 *
 * <ul>
 *   <li>{@link dev.cmwq.benchmarks.TimerBenchmark} (JMH): arm + cancel and re-arm of delayed
 *       work with many other timers pending, against {@code ScheduledThreadPoolExecutor} and
 *       Netty's {@code HashedWheelTimer} and the Reactor/RxJava schedulers.
 *   <li>{@link dev.cmwq.benchmarks.TinyTaskBenchmark} (JMH): throughput of no-op tasks from one
 *       producer, against {@code ForkJoinPool}, a fixed {@code ThreadPoolExecutor} and the
 *       Reactor/RxJava schedulers.
 *   <li>{@code ReactorPipelineBenchmark}, {@code RxJavaPipelineBenchmark} (JMH): hops and
 *       pipelines on each scheduler.
 *   <li>{@link dev.cmwq.benchmarks.MixedBlocking} (main): makespan and threads of a load where
 *       some tasks block, declared or not.
 *   <li>{@link dev.cmwq.benchmarks.TimerLateness} (main): how late timers fire, in percentiles.
 *   <li>{@link dev.cmwq.benchmarks.TimerFootprint} (main): heap bytes per pending timer.
 *   <li>{@link dev.cmwq.benchmarks.IdleCost} (main): CPU time and wake-ups of an idle scheduler
 *       with a timer armed far ahead.
 *   <li>{@link dev.cmwq.benchmarks.Suite} (main): all of them, then a table of cmwq/peer ratios
 *       against the targets ({@code --quick} in CI).
 * </ul>
 *
 * <p>Nothing here is a test: the test suites assert behaviour, this module measures.
 */
package dev.cmwq.benchmarks;
