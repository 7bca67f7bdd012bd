package dev.cmwq.samples.core;

import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import java.io.PrintStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What each way of waiting for or stopping work waits for, and what it returns.
 *
 * <table>
 *   <caption>Waiting and stopping</caption>
 *   <tr><th>call</th><th>waits for</th><th>returns</th></tr>
 *   <tr><td>{@code work.flush()}</td><td>the latest queueing of that item to finish</td>
 *       <td>true if it waited, false if the item was idle</td></tr>
 *   <tr><td>{@code wq.flush()}</td><td>every item queued before the call (not requeues)</td><td>-</td></tr>
 *   <tr><td>{@code wq.drain()}</td><td>the workqueue to be empty, requeues included; meanwhile
 *       queueing from outside throws {@code RejectedExecutionException}</td><td>-</td></tr>
 *   <tr><td>{@code work.cancel()}</td><td>nothing; takes a pending item off its queue</td>
 *       <td>true if it was pending</td></tr>
 *   <tr><td>{@code work.cancelSync()}</td><td>a running instance to finish, after cancelling</td>
 *       <td>true if it was pending</td></tr>
 *   <tr><td>{@code work.disable()} / {@code enable()}</td><td>nothing; while disabled
 *       {@code queueWork} returns false</td><td>true if it was pending / true when enabled again</td></tr>
 * </table>
 *
 * Use it when shutting a component down: stop its items from being queued ({@code disable}),
 * wait for the one that may be running ({@code cancelSync}), or let the workqueue finish what it
 * has ({@code drain}) before destroying it.
 */
public final class FlushDrainCancel {

  /** How many times the self-requeueing chain runs. */
  static final int CHAIN_LENGTH = 5;

  /**
   * What the run saw.
   *
   * @param flushOfQueued what {@code flush()} of a queued item returned
   * @param flushOfIdle what {@code flush()} of an idle item returned
   * @param ranBeforeWqFlushReturned items finished when {@code wq.flush()} returned (of 10)
   * @param chainRunsAfterDrain runs of the self-requeueing item when {@code drain()} returned
   * @param rejectedWhileDraining whether queueing from outside threw while draining
   * @param cancelOfPending what {@code cancel()} of a pending item returned
   * @param cancelledRan whether the cancelled item ran anyway
   * @param cancelOfIdle what {@code cancel()} of an idle item returned
   * @param cancelSyncOfRunning what {@code cancelSync()} of a running item returned
   * @param finishedWhenCancelSyncReturned whether that run had finished when it returned
   * @param disableOfPending what {@code disable()} of a pending item returned
   * @param queueWhileDisabled what {@code queueWork} returned while disabled
   * @param enabled what {@code enable()} returned
   * @param queueAfterEnable what {@code queueWork} returned after it
   */
  public record Result(
      boolean flushOfQueued,
      boolean flushOfIdle,
      int ranBeforeWqFlushReturned,
      int chainRunsAfterDrain,
      boolean rejectedWhileDraining,
      boolean cancelOfPending,
      boolean cancelledRan,
      boolean cancelOfIdle,
      boolean cancelSyncOfRunning,
      boolean finishedWhenCancelSyncReturned,
      boolean disableOfPending,
      boolean queueWhileDisabled,
      boolean enabled,
      boolean queueAfterEnable) {}

  private FlushDrainCancel() {}

  public static void main(String[] args) throws Exception {
    try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).build()) {
      run(rt, System.out);
    }
  }

  public static Result run(WorkqueueRuntime rt, PrintStream out) throws InterruptedException, ExecutionException {
    Workqueue wq = Workqueue.builder("waiting").runtime(rt).build();
    // an ordered workqueue lets the sample hold items pending behind a gate
    Workqueue serial = Workqueue.builder("waiting_serial").ordered().runtime(rt).build();
    try {
      // Work.flush: true if it waited
      Work once = Work.of(() -> {});
      wq.queueWork(once);
      boolean flushOfQueued = once.flush();
      boolean flushOfIdle = once.flush();
      out.printf("work.flush(): queued item %s, idle item %s%n", flushOfQueued, flushOfIdle);

      // Workqueue.flush: everything queued before the call has finished when it returns
      AtomicInteger finished = new AtomicInteger();
      for (int i = 0; i < 10; i++) {
        wq.queueWork(Work.of(finished::incrementAndGet));
      }
      wq.flush();
      out.printf("wq.flush(): %d of 10 items had finished%n", finished.get());

      // Workqueue.drain: waits for requeues too, and rejects outside queueing meanwhile
      CountDownLatch gate = new CountDownLatch(1);
      AtomicInteger chainRuns = new AtomicInteger();
      Work[] chain = new Work[1];
      chain[0] = Work.of(() -> {
        if (chainRuns.incrementAndGet() == 1) {
          awaitQuietly(gate);
        }
        if (chainRuns.get() < CHAIN_LENGTH) {
          serial.queueWork(chain[0]); // an item of the draining workqueue may queue on it
        }
      });
      serial.queueWork(chain[0]);
      CompletableFuture<Void> drained = serial.drainAsync();
      boolean rejected;
      try {
        serial.queueWork(Work.of(() -> {}));
        rejected = false;
      } catch (RejectedExecutionException e) {
        rejected = true;
      }
      gate.countDown();
      drained.get();
      out.printf("wq.drain(): chain ran %d times; queueing from outside meanwhile %s%n",
          chainRuns.get(), rejected ? "was rejected" : "was accepted");

      // cancel: a pending item is taken off the queue and never runs
      CountDownLatch hold = new CountDownLatch(1);
      serial.queueWork(Work.of(() -> awaitQuietly(hold)));
      AtomicInteger cancelledRuns = new AtomicInteger();
      Work doomed = Work.of(cancelledRuns::incrementAndGet);
      serial.queueWork(doomed);
      boolean cancelOfPending = doomed.cancel();
      boolean cancelOfIdle = doomed.cancel();

      // disable: cancels, and queueing returns false until enable
      Work paused = Work.of(() -> {});
      serial.queueWork(paused);
      boolean disableOfPending = paused.disable();
      boolean queueWhileDisabled = serial.queueWork(paused);
      boolean enabled = paused.enable();
      boolean queueAfterEnable = serial.queueWork(paused);
      hold.countDown();
      serial.flush();
      out.printf("cancel(): pending %s, idle %s, cancelled item ran %d time(s)%n",
          cancelOfPending, cancelOfIdle, cancelledRuns.get());
      out.printf("disable(): %s, queueWork while disabled %s, enable() %s, queueWork after %s%n",
          disableOfPending, queueWhileDisabled, enabled, queueAfterEnable);

      // cancelSync: waits for a running instance to finish
      CountDownLatch started = new CountDownLatch(1);
      AtomicInteger done = new AtomicInteger();
      Work slow = Work.of(() -> {
        started.countDown();
        simulateWork(50);
        done.incrementAndGet();
      });
      wq.queueWork(slow);
      started.await();
      boolean cancelSyncOfRunning = slow.cancelSync();
      boolean finishedWhenReturned = done.get() == 1;
      out.printf("cancelSync() of a running item returned %s, after the run finished: %s%n",
          cancelSyncOfRunning, finishedWhenReturned);

      return new Result(flushOfQueued, flushOfIdle, finished.get(), chainRuns.get(), rejected,
          cancelOfPending, cancelledRuns.get() > 0, cancelOfIdle, cancelSyncOfRunning, finishedWhenReturned,
          disableOfPending, queueWhileDisabled, enabled, queueAfterEnable);
    } finally {
      serial.destroy();
      wq.destroy();
    }
  }

  /** Stands for some work that takes a while; a sample item may sleep, a test never waits so. */
  private static void simulateWork(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
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
