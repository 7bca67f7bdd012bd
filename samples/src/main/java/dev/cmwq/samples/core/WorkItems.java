package dev.cmwq.samples.core;

import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Work items: made once, queued again and again.
 *
 * <ul>
 *   <li>{@link Work#of(Runnable)} wraps a function.
 *   <li>Queueing is idempotent: while an item is pending, {@code queueWork} returns false and
 *       the item still runs once. A "something changed, recompute" signal needs nothing more.
 *   <li>An item never runs concurrently with itself. Queued again while it runs, it runs exactly
 *       once more, after the current run.
 *   <li>A subclass may override {@code execute()} and keep its state in fields.
 * </ul>
 *
 * Use it for a recurring job triggered from many places (flush a cache, recompute an index)
 * where coalescing the triggers is what you want and overlapping runs would be a bug.
 */
public final class WorkItems {

  /** A work item with its own state: it sums what was added since its last run. */
  static final class Accumulator extends Work {
    private final AtomicInteger pending = new AtomicInteger();
    private volatile int total;

    void add(int n) {
      pending.addAndGet(n);
    }

    int total() {
      return total;
    }

    @Override
    protected void execute() {
      total += pending.getAndSet(0); // only this item writes total, and never two runs at once
    }
  }

  /**
   * What the run saw.
   *
   * @param firstQueue what the first {@code queueWork} returned
   * @param secondQueue what queueing the same item again while pending returned
   * @param runsOfCoalesced how often the twice-queued item ran
   * @param requeuedWhileRunning what queueing an item while it ran returned
   * @param runsOfRequeued how often that item ran in total
   * @param overlapped whether two runs of one item ever overlapped
   * @param accumulated what the {@code Work} subclass summed
   */
  public record Result(
      boolean firstQueue,
      boolean secondQueue,
      int runsOfCoalesced,
      boolean requeuedWhileRunning,
      int runsOfRequeued,
      boolean overlapped,
      int accumulated) {}

  private WorkItems() {}

  public static void main(String[] args) throws Exception {
    try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).build()) {
      run(rt, System.out);
    }
  }

  public static Result run(WorkqueueRuntime rt, PrintStream out) throws InterruptedException {
    Workqueue wq = Workqueue.builder("items").runtime(rt).build();
    try {
      // 1. idempotent queueing: hold an ordered workqueue with a gate so the item stays pending
      Workqueue serial = Workqueue.builder("items_serial").ordered().runtime(rt).build();
      CountDownLatch gate = new CountDownLatch(1);
      serial.queueWork(Work.of(() -> awaitQuietly(gate)));
      AtomicInteger coalescedRuns = new AtomicInteger();
      Work recompute = Work.of(coalescedRuns::incrementAndGet);
      boolean first = serial.queueWork(recompute);
      boolean second = serial.queueWork(recompute);
      out.printf("queueWork: %s, again while pending: %s (pending: %s)%n", first, second, recompute.isPending());
      gate.countDown();
      recompute.flush();
      out.printf("queued twice, ran %d time(s)%n", coalescedRuns.get());
      serial.destroy();

      // 2. non-reentrancy: queue an item while it runs; it runs once more, after, never alongside
      CountDownLatch running = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      AtomicInteger runs = new AtomicInteger();
      AtomicInteger inside = new AtomicInteger();
      AtomicBoolean overlapped = new AtomicBoolean();
      Work job = Work.of(() -> {
        if (inside.incrementAndGet() > 1) {
          overlapped.set(true);
        }
        if (runs.incrementAndGet() == 1) {
          running.countDown();
          awaitQuietly(release);
        }
        inside.decrementAndGet();
      });
      wq.queueWork(job);
      running.await();
      boolean requeued = wq.queueWork(job); // true: PENDING was cleared when the run started
      wq.queueWork(job); // false: pending again
      release.countDown();
      job.flush(); // waits for the latest queueing to finish
      out.printf("queued while running: %s; ran %d times, overlapped: %s%n", requeued, runs.get(), overlapped.get());

      // 3. a Work subclass with its own state
      Accumulator acc = new Accumulator();
      for (int i = 1; i <= 10; i++) {
        acc.add(i);
        wq.queueWork(acc); // coalesces: however many runs happen, the sum is the same
      }
      acc.flush();
      out.printf("accumulator total: %d%n", acc.total());

      return new Result(first, second, coalescedRuns.get(), requeued, runs.get(), overlapped.get(), acc.total());
    } finally {
      wq.destroy();
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
