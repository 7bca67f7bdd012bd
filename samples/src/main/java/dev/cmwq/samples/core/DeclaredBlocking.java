package dev.cmwq.samples.core;

import dev.cmwq.Work;
import dev.cmwq.WorkerCounts;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import dev.cmwq.WorkqueueStats;
import dev.cmwq.Workqueues;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Declared blocking on a bound workqueue: a JDBC-style call wrapped in
 * {@link Workqueues#blocking} gives its CPU slot to another worker for as long as it waits, so
 * the CPU work queued behind it runs at once instead of waiting for the database.
 *
 * <p>The runtime has a single CPU slot, so a bound workqueue runs one item at a time unless one
 * blocks. The "database" in this sample answers only when told to; the CPU item finishes while
 * the query still waits, which can only happen because the slot was handed over. Meanwhile
 * {@link WorkqueueRuntime#workers()} counts the querying worker as blocked.
 *
 * <p>Use it for a blocking call you know about (JDBC, a file, a lock you expect to wait on).
 * Undeclared blocking is noticed too, by the runtime's sampler within a couple of milliseconds;
 * declaring it makes the hand-over immediate.
 */
public final class DeclaredBlocking {

  /** A stand-in for a JDBC repository: {@link #findName} blocks until the database answers. */
  static final class SlowRepository {
    private final CountDownLatch querying = new CountDownLatch(1);
    private final CountDownLatch answer = new CountDownLatch(1);

    String findName(long id) throws InterruptedException {
      querying.countDown();
      if (!answer.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the database never answered");
      }
      return "customer-" + id;
    }

    void awaitQuerying() throws InterruptedException {
      querying.await();
    }

    void answer() {
      answer.countDown();
    }
  }

  /**
   * What the run saw.
   *
   * @param cpuItemDoneWhileQueryBlocked whether the CPU item finished while the query waited
   * @param duringQuery the runtime's workers while the query waited
   * @param name what the query returned
   * @param stats the workqueue's counters at the end
   */
  public record Result(boolean cpuItemDoneWhileQueryBlocked, WorkerCounts duringQuery, String name, WorkqueueStats stats) {}

  private DeclaredBlocking() {}

  public static void main(String[] args) throws Exception {
    try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(1).build()) {
      run(rt, System.out);
    }
  }

  /** Runs the sample on {@code rt}, which should have one CPU slot. */
  public static Result run(WorkqueueRuntime rt, PrintStream out) throws InterruptedException {
    Workqueue wq = Workqueue.builder("orders").runtime(rt).build();
    try {
      SlowRepository repository = new SlowRepository();
      String[] name = new String[1];
      Work query = Work.of(() -> {
        try {
          // declared blocking: this worker leaves concurrency management while the call waits
          name[0] = Workqueues.blocking(() -> repository.findName(42));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      CountDownLatch cpuItemDone = new CountDownLatch(1);
      Work cpuItem = Work.of(() -> {
        long sum = 0;
        for (int i = 0; i < 1_000; i++) {
          sum += i;
        }
        if (sum > 0) {
          cpuItemDone.countDown();
        }
      });

      wq.queueWorkOn(0, query);
      wq.queueWorkOn(0, cpuItem); // same CPU slot, behind the query
      repository.awaitQuerying();
      boolean doneWhileBlocked = cpuItemDone.await(10, TimeUnit.SECONDS);
      WorkerCounts during = rt.workers();
      out.printf("query waiting; CPU item %s; workers: %s%n", doneWhileBlocked ? "done" : "NOT done", during);

      repository.answer();
      query.flush();
      WorkqueueStats stats = wq.stats();
      out.printf("query returned %s; stats: started %d, completed %d, CM wake-ups %d%n",
          name[0], stats.started(), stats.completed(), stats.cmWakeups());
      out.printf("workers at the end: %s%n", rt.workers());
      return new Result(doneWhileBlocked, during, name[0], stats);
    } finally {
      wq.destroy();
    }
  }
}
