package dev.cmwq.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.WorkqueueRuntime;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;

/**
 * Base for sample tests: every runtime made through {@link #runtime} has its own thread name
 * prefix, collects what work items throw, and after the test is shut down and must leave no
 * thread behind.
 */
public abstract class SampleRuntimes {

  /** Where a sample prints in a test: nowhere. */
  protected static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  private static final AtomicInteger SEQ = new AtomicInteger();

  private final List<WorkqueueRuntime> runtimes = new ArrayList<>();
  private final List<String> prefixes = new ArrayList<>();

  /** What work items threw; a sample test fails if anything did. */
  protected final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();

  /** Returns: a runtime with {@code cpus} CPU slots and a prefix {@code kworker-s<n>/}. */
  protected WorkqueueRuntime runtime(int cpus) {
    return runtime(b -> b.cpus(cpus));
  }

  /** Returns: a runtime configured by {@code customizer}, with a unique thread name prefix. */
  protected WorkqueueRuntime runtime(Consumer<WorkqueueRuntime.Builder> customizer) {
    String prefix = "kworker-s" + SEQ.incrementAndGet() + "/";
    WorkqueueRuntime.Builder b = WorkqueueRuntime.builder().threadNamePrefix(prefix);
    customizer.accept(b);
    WorkqueueRuntime rt = b.uncaughtExceptionHandler((t, e) -> failures.add(e)).build();
    runtimes.add(rt);
    prefixes.add(prefix);
    return rt;
  }

  /** Returns: the thread name prefix of the {@code i}-th runtime made in this test. */
  protected String prefix(int i) {
    return prefixes.get(i);
  }

  @AfterEach
  void shutDownRuntimes() throws InterruptedException {
    for (WorkqueueRuntime rt : runtimes) {
      rt.shutdown();
    }
    for (WorkqueueRuntime rt : runtimes) {
      assertThat(rt.awaitTermination(Duration.ofSeconds(10))).as("threads left after shutdown").isTrue();
    }
    for (String prefix : prefixes) {
      assertThat(Thread.getAllStackTraces().keySet())
          .filteredOn(t -> t.isAlive() && t.getName().startsWith(prefix))
          .as("threads left behind")
          .isEmpty();
    }
    assertThat(failures).as("work items threw").isEmpty();
  }
}
