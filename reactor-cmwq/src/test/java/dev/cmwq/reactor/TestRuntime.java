package dev.cmwq.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * An isolated runtime for one test, with its own thread-name prefix so that its threads can be
 * told apart; {@link #close()} shuts it down and asserts that none of its threads is left.
 * Failures thrown by work items are collected in {@link #failures}.
 */
final class TestRuntime implements AutoCloseable {

  private static final AtomicInteger SEQ = new AtomicInteger();

  final String prefix = "kw-t" + SEQ.incrementAndGet() + "/";
  final Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
  final Queue<String> failureThreads = new ConcurrentLinkedQueue<>();
  final WorkqueueRuntime rt;

  TestRuntime() {
    this(b -> {});
  }

  TestRuntime(Consumer<WorkqueueRuntime.Builder> customizer) {
    WorkqueueRuntime.Builder b =
        WorkqueueRuntime.builder()
            .cpus(2)
            .threadNamePrefix(prefix)
            .uncaughtExceptionHandler(
                (t, e) -> {
                  failureThreads.add(t.getName());
                  failures.add(e);
                });
    customizer.accept(b);
    rt = b.build();
  }

  /** Returns: the live threads of this runtime (workers, rescuers, timer). */
  List<String> liveThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith(prefix))
        .collect(Collectors.toList());
  }

  @Override
  public void close() {
    rt.shutdown();
    boolean terminated;
    try {
      terminated = rt.awaitTermination(Duration.ofSeconds(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for the runtime to terminate", e);
    }
    assertThat(terminated).as("runtime terminated").isTrue();
    assertThat(liveThreads()).as("threads left behind by " + prefix).isEmpty();
  }

  /** The scheduler variants the contract suite runs against. */
  enum Variant {
    BOUND {
      @Override
      WorkqueueScheduler make(TestRuntime t) {
        return CmwqSchedulers.bound(t.rt);
      }
    },
    HIGHPRI {
      @Override
      WorkqueueScheduler make(TestRuntime t) {
        return CmwqSchedulers.highpri(t.rt);
      }
    },
    UNBOUND {
      @Override
      WorkqueueScheduler make(TestRuntime t) {
        return CmwqSchedulers.unbound(t.rt);
      }
    },
    ORDERED {
      @Override
      WorkqueueScheduler make(TestRuntime t) {
        return CmwqSchedulers.newOrdered("ordered-test", t.rt);
      }
    },
    FROM_WORKQUEUE {
      @Override
      WorkqueueScheduler make(TestRuntime t) {
        return CmwqSchedulers.fromWorkqueue(Workqueue.builder("custom").maxActive(8).runtime(t.rt).build());
      }
    };

    abstract WorkqueueScheduler make(TestRuntime t);

    /** Returns: whether tasks of the variant run one at a time (so a blocked one holds the rest). */
    boolean ordered() {
      return this == ORDERED;
    }
  }
}
