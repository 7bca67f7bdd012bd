package dev.cmwq.samples;

import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import dev.cmwq.WorkqueueStats;
import dev.cmwq.Workqueues;
import java.io.PrintStream;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The demo: one mixed workload on three kinds of workqueue, watched like the kernel's
 * {@code wq_monitor.py}.
 *
 * <ul>
 *   <li>{@code demo_bound} (per-CPU, concurrency-managed): many short CPU items; one in ten
 *       blocks for 20 ms, half of them saying so through {@link Workqueues#blocking}, half with a
 *       raw {@code Thread.sleep} the runtime notices by itself; either way the CPU slot's next
 *       item starts meanwhile instead of waiting.
 *   <li>{@code demo_unbound}: blocking I/O-like items; every active item gets a worker, up to
 *       {@code max_active}.
 *   <li>{@code demo_ordered}: a journal that must apply entries one at a time, in order; it is
 *       {@code memReclaim()}, so a rescuer would keep it moving if no worker could be had.
 * </ul>
 *
 * Run it with the README's first command; {@code --quick} runs a smaller load (used by the test).
 */
public final class Demo {

  /** Sizes of one run. */
  record Load(int boundItems, int unboundItems, int orderedItems) {
    static final Load FULL = new Load(20_000, 400, 2_000);
    static final Load QUICK = new Load(2_000, 40, 200);
  }

  /** What a run found; the test checks it. */
  record Result(
      WorkqueueStats bound, WorkqueueStats unbound, WorkqueueStats ordered, boolean orderKept, long makespanMillis, int peakWorkers) {}

  public static void main(String[] args) throws Exception {
    Load load = args.length > 0 && args[0].equals("--quick") ? Load.QUICK : Load.FULL;
    Result r = run(load, System.out);
    System.out.printf("%nordered journal kept its order: %s; makespan %d ms; peak worker threads %d%n",
        r.orderKept() ? "yes" : "NO", r.makespanMillis(), r.peakWorkers());
  }

  static Result run(Load load, PrintStream out) throws Exception {
    try (WorkqueueRuntime rt = WorkqueueRuntime.builder().threadNamePrefix("kworker/").build()) {
      Workqueue bound = Workqueue.builder("demo_bound").runtime(rt).build();
      Workqueue unbound = Workqueue.builder("demo_unbound").unbound().maxActive(64).runtime(rt).build();
      Workqueue ordered = Workqueue.builder("demo_ordered").ordered().memReclaim().runtime(rt).build();
      List<Workqueue> wqs = List.of(bound, unbound, ordered);

      int total = load.boundItems() + load.unboundItems() + load.orderedItems();
      CountDownLatch done = new CountDownLatch(total);
      AtomicInteger nextJournalEntry = new AtomicInteger();
      AtomicInteger outOfOrder = new AtomicInteger();
      AtomicInteger peakWorkers = new AtomicInteger();
      Random random = new Random(42);

      out.printf("cmwq demo: %d CPU slots; %d bound, %d unbound, %d ordered items%n%n",
          rt.cpus(), load.boundItems(), load.unboundItems(), load.orderedItems());
      header(out);
      long start = System.nanoTime();

      for (int i = 0; i < load.orderedItems(); i++) {
        int entry = i;
        ordered.queueWork(Work.of(() -> {
          if (nextJournalEntry.getAndIncrement() != entry) {
            outOfOrder.incrementAndGet();
          }
          spin(20_000);
          done.countDown();
        }));
      }
      for (int i = 0; i < load.unboundItems(); i++) {
        unbound.queueWork(Work.of(() -> {
          sleepQuietly(5);
          done.countDown();
        }));
      }
      for (int i = 0; i < load.boundItems(); i++) {
        int kind = random.nextInt(20); // 0: declared blocking, 1: undeclared, else CPU
        bound.queueWork(Work.of(() -> {
          if (kind == 0) {
            try {
              Workqueues.blocking(() -> {
                sleepQuietly(20);
                return null;
              });
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          } else if (kind == 1) {
            sleepQuietly(20);
          } else {
            spin(50_000);
          }
          done.countDown();
        }));
      }

      while (!done.await(500, TimeUnit.MILLISECONDS)) {
        peakWorkers.accumulateAndGet(rt.workerCount(), Math::max);
        rows(out, wqs);
      }
      long makespan = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      for (Workqueue wq : wqs) {
        wq.flush();
      }
      peakWorkers.accumulateAndGet(rt.workerCount(), Math::max);
      rows(out, wqs);
      Result r = new Result(bound.stats(), unbound.stats(), ordered.stats(), outOfOrder.get() == 0, makespan, peakWorkers.get());
      for (Workqueue wq : wqs) {
        wq.destroy();
      }
      return r;
    }
  }

  /** The columns of the kernel's wq_monitor.py; mayday/rescued only for memReclaim workqueues. */
  private static void header(PrintStream out) {
    out.printf("%-14s %7s %5s %8s %7s %6s %7s %7s %8s%n",
        "", "total", "infl", "CPUtime", "CPUitsv", "CMW", "mayday", "rescued", "inactive");
  }

  private static void rows(PrintStream out, List<Workqueue> wqs) {
    for (Workqueue wq : wqs) {
      WorkqueueStats s = wq.stats();
      boolean reclaim = wq.isMemReclaim();
      out.printf("%-14s %7d %5d %8.2f %7s %6d %7s %7s %8d%n", wq.name(), s.started(), s.inFlight(),
          s.cpuTime().toNanos() / 1e9, wq.isUnbound() ? "-" : Long.toString(s.cpuIntensive()),
          s.cmWakeups(), reclaim ? Long.toString(s.mayday()) : "-", reclaim ? Long.toString(s.rescued()) : "-",
          s.inactive());
    }
    out.println();
  }

  private static void spin(long nanos) {
    long end = System.nanoTime() + nanos;
    while (System.nanoTime() - end < 0) {
      Thread.onSpinWait();
    }
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Demo() {}
}
