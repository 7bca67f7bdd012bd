package dev.cmwq.rxjava3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.WorkqueueRuntime;
import io.reactivex.rxjava3.plugins.RxJavaPlugins;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Base for the tests: isolated runtimes with a thread-name prefix of their own, shut down after
 * each test with no thread left behind; what reaches {@code RxJavaPlugins.onError} is collected
 * (a test that provokes errors sets {@link #expectRxErrors}), and nothing may escape to a worker
 * thread's uncaught-exception handler: the schedulers route every task failure to RxJava.
 */
abstract class RuntimeTestBase {

  private static final AtomicInteger SEQ = new AtomicInteger();

  private final List<WorkqueueRuntime> runtimes = new ArrayList<>();
  private final List<String> prefixes = new ArrayList<>();

  /** What reached a worker's uncaught-exception handler: always a bug here. */
  protected final ConcurrentLinkedQueue<Throwable> escaped = new ConcurrentLinkedQueue<>();
  /** What reached {@code RxJavaPlugins.onError}. */
  protected final ConcurrentLinkedQueue<Throwable> rxErrors = new ConcurrentLinkedQueue<>();
  /** Errors a test provokes on purpose. */
  protected boolean expectRxErrors;

  @BeforeEach
  void collectRxErrors() {
    RxJavaPlugins.setErrorHandler(rxErrors::add);
  }

  /** Returns: a new runtime with 2 CPU slots, shut down after the test. */
  protected WorkqueueRuntime runtime() {
    return runtime(WorkqueueRuntime.builder().cpus(2));
  }

  /** Returns: a runtime from {@code b}, with its own thread-name prefix ({@link #prefix}). */
  protected WorkqueueRuntime runtime(WorkqueueRuntime.Builder b) {
    WorkqueueRuntime rt = prepare(b).build();
    runtimes.add(rt);
    return rt;
  }

  /** Returns: a test scheduler on a runtime prepared like {@link #runtime}, shut down after the test. */
  protected CmwqTestScheduler testScheduler() {
    CmwqTestScheduler s = CmwqTestScheduler.create(prepare(WorkqueueRuntime.builder().cpus(2)));
    runtimes.add(s.runtime());
    return s;
  }

  private WorkqueueRuntime.Builder prepare(WorkqueueRuntime.Builder b) {
    String prefix = "rxt" + SEQ.incrementAndGet() + "/";
    prefixes.add(prefix);
    return b.threadNamePrefix(prefix).uncaughtExceptionHandler((t, e) -> escaped.add(e));
  }

  /** Returns: the thread-name prefix of the latest runtime. */
  protected String prefix() {
    return prefixes.get(prefixes.size() - 1);
  }

  @AfterEach
  void shutDownRuntimes() throws InterruptedException {
    try {
      assertThat(escaped).as("failures that escaped to a worker's uncaught-exception handler").isEmpty();
      if (!expectRxErrors) {
        assertThat(rxErrors).as("errors routed to RxJavaPlugins.onError").isEmpty();
      }
    } finally {
      RxJavaPlugins.setErrorHandler(null);
      RxJavaPlugins.setScheduleHandler(null);
      for (WorkqueueRuntime rt : runtimes) {
        rt.shutdown();
      }
      for (WorkqueueRuntime rt : runtimes) {
        assertThat(rt.awaitTermination(Duration.ofSeconds(20))).as("threads left after shutdown").isTrue();
      }
      for (String prefix : prefixes) {
        // awaitTermination counts a worker out just before its thread ends: join the stragglers
        for (Thread t : Thread.getAllStackTraces().keySet()) {
          if (t.getName().startsWith(prefix)) {
            t.join(5_000);
          }
        }
        assertThat(Thread.getAllStackTraces().keySet())
            .as("live threads named %s*", prefix)
            .noneMatch(t -> t.isAlive() && t.getName().startsWith(prefix));
      }
    }
  }
}
