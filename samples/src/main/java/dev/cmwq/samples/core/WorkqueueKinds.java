package dev.cmwq.samples.core;

import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The four kinds of workqueue and what sets them apart: which threads run their items and how
 * many items run at once.
 *
 * <ul>
 *   <li><b>bound</b> (the default): items run on the per-CPU pools, on threads named
 *       {@code kworker/<cpu>:<id>}; concurrency management keeps one running worker per CPU slot
 *       and starts another only when it blocks.
 *   <li><b>highpri</b>: the per-CPU high-priority pools, threads {@code kworker/<cpu>:<id>H}.
 *   <li><b>unbound</b>: every active item gets a worker of a shared pool ({@code kworker/u<pool>:<id>});
 *       {@code maxActive} caps active items for the whole workqueue and holds the rest back in
 *       FIFO order, never rejecting them.
 *   <li><b>ordered</b>: unbound with one item at a time, in queueing order.
 * </ul>
 *
 * Use it to pick a kind: bound for short CPU work that may sometimes block, highpri for
 * latency-sensitive items, unbound for long or blocking items, ordered when items must not
 * overlap. {@link Workqueue#destroy()} waits for queued items, then rejects new ones.
 */
public final class WorkqueueKinds {

  /**
   * What the run saw.
   *
   * @param threadByKind the name of the thread that ran an item, per kind
   * @param heldBack items the unbound workqueue held back while its {@code maxActive} items ran
   * @param rejectedAfterDestroy whether queueing on a destroyed workqueue threw
   */
  public record Result(Map<String, String> threadByKind, long heldBack, boolean rejectedAfterDestroy) {}

  private WorkqueueKinds() {}

  public static void main(String[] args) throws Exception {
    try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).build()) {
      run(rt, System.out);
    }
  }

  /** Builds one workqueue of each kind on {@code rt}, runs items on them and destroys them. */
  public static Result run(WorkqueueRuntime rt, PrintStream out) throws InterruptedException {
    Workqueue bound = Workqueue.builder("kinds_bound").runtime(rt).build();
    Workqueue highpri = Workqueue.builder("kinds_highpri").highpri().runtime(rt).build();
    Workqueue unbound = Workqueue.builder("kinds_unbound").unbound().maxActive(2).runtime(rt).build();
    Workqueue ordered = Workqueue.builder("kinds_ordered").ordered().runtime(rt).build();

    Map<String, String> threadByKind = new LinkedHashMap<>();
    for (Workqueue wq : new Workqueue[] {bound, highpri, unbound, ordered}) {
      String[] thread = new String[1];
      Work w = Work.of(() -> thread[0] = Thread.currentThread().getName());
      wq.queueWork(w);
      w.flush(); // waits for the run; its writes are visible after flush returns
      threadByKind.put(wq.name(), thread[0]);
      out.printf("%-14s ran on %s%n", wq.name(), thread[0]);
    }

    // maxActive(2): four items that wait for a gate; two run, two are held back (not rejected)
    CountDownLatch gate = new CountDownLatch(1);
    CountDownLatch twoRunning = new CountDownLatch(2);
    for (int i = 0; i < 4; i++) {
      unbound.queueWork(Work.of(() -> {
        twoRunning.countDown();
        awaitQuietly(gate);
      }));
    }
    twoRunning.await();
    long heldBack = unbound.stats().inactive();
    out.printf("kinds_unbound: maxActive %d, %d items held back%n", unbound.maxActive(), heldBack);
    gate.countDown();

    // destroy waits for what is queued, then rejects new work
    for (Workqueue wq : new Workqueue[] {bound, highpri, unbound, ordered}) {
      wq.destroy();
    }
    boolean rejected;
    try {
      bound.queueWork(Work.of(() -> {}));
      rejected = false;
    } catch (RejectedExecutionException e) {
      rejected = true;
    }
    out.printf("queueWork after destroy %s%n", rejected ? "throws RejectedExecutionException" : "was accepted");
    return new Result(threadByKind, heldBack, rejected);
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
