package dev.cmwq.internal;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * The operations on a single work item: cancel, disable, flush, delayed queueing. Called by
 * {@code dev.cmwq.Work} and {@code dev.cmwq.Workqueue}; each follows the kernel function it
 * names.
 */
public final class WorkOps {

  private WorkOps() {}

  /** What {@link #grabPending} found (kernel try_to_grab_pending's 0 / 1). */
  enum Grab {
    /** It was not pending; the caller now owns PENDING. */
    IDLE,
    /** It was pending (queued or armed) and was taken off; the caller now owns PENDING. */
    GRABBED
  }

  /**
   * Takes PENDING away from wherever it is: an armed timer, or a pool workqueue list (kernel
   * {@code try_to_grab_pending}). Spins while another thread is in the middle of queueing the
   * item (the kernel's -EAGAIN).
   *
   * <p>Locking: takes the timer lock or one pool lock. Returns: see {@link Grab}.
   */
  static Grab grabPending(WorkItem w) {
    for (int spins = 0; ; spins++) {
      if (w.trySetPendingIgnoringDisable()) {
        return Grab.IDLE;
      }
      WorkqueueStruct twq = w.timerWq;
      if (twq != null && twq.rt.timer.cancel(w)) {
        return Grab.GRABBED;
      }
      PoolWorkqueue pwq = w.loPwq();
      if (pwq != null) {
        WorkerPool pool = pwq.pool;
        int after;
        pool.lock.lock();
        try {
          after = w.pwq == pwq ? unqueue(w, pwq) : -1;
        } finally {
          pool.lock.unlock();
        }
        if (after >= 0) {
          runAfter(pwq, after);
          return Grab.GRABBED;
        }
      }
      backOff(spins);
    }
  }

  private static final int AFTER_FLUSH = 1;
  private static final int AFTER_PWQ = 2;
  private static final int AFTER_CREATE = 4;

  /**
   * Takes a queued item off its list, keeping the counts right.
   *
   * <p>Locking: pool lock held. Returns: AFTER_* bits for {@link #runAfter} once it is dropped.
   */
  private static int unqueue(WorkItem w, PoolWorkqueue pwq) {
    WorkerPool pool = pwq.pool;
    boolean active = !w.inactive;
    if (!active) {
      // an inactive item may have barriers linked behind it: they must not stay on the
      // inactive list (they would wait for an activation that never comes), so they go to the
      // worklist on their own (kernel: move_linked_works then list_del_init)
      pwq.nrInactive--;
      if (w.linked) {
        WorkItem b = w.next;
        w.linked = false;
        pool.moveLinkedWorks(b, pool.worklist);
      }
    }
    WorkList.unlink(w);
    w.pwq = null;
    w.linked = false;
    int after = 0;
    if (pool.kick() == WorkerPool.Kick.NEED_WORKER) {
      after |= AFTER_CREATE;
    }
    if (active && pwq.decNrActive()) {
      after |= AFTER_PWQ;
    }
    if (pwq.decNrInFlight(w.color)) {
      after |= AFTER_FLUSH;
    }
    if (pwq.retired && pwq.isIdle()) {
      after |= AFTER_PWQ;
    }
    return after;
  }

  private static void runAfter(PoolWorkqueue pwq, int after) {
    if ((after & AFTER_CREATE) != 0) {
      pwq.pool.createWorkerAsManager();
    }
    if ((after & AFTER_FLUSH) != 0) {
      pwq.wq.flushColorDone();
    }
    if ((after & AFTER_PWQ) != 0) {
      pwq.wq.afterPwqChange(pwq);
    }
  }

  private static void backOff(int spins) {
    if (spins < 64) {
      Thread.onSpinWait();
    } else {
      Thread.yield();
    }
  }

  /** Kernel cancel_work. Returns: true if it was pending. */
  public static boolean cancel(WorkItem w) {
    Grab g = grabPending(w);
    w.clearPending();
    return g == Grab.GRABBED;
  }

  /** Kernel cancel_work_sync. Returns: true if it was pending. */
  public static boolean cancelSync(WorkItem w) throws InterruptedException {
    checkNotSelf(w, "cancelSync()");
    Grab g = grabPending(w);
    // disabled while we wait, so a running instance cannot requeue itself (kernel v6.10)
    w.incDisable();
    w.clearPending();
    try {
      waitRunning(w);
    } finally {
      w.decDisable();
    }
    return g == Grab.GRABBED;
  }

  /** Kernel disable_work. Returns: true if it was pending. */
  public static boolean disable(WorkItem w) {
    Grab g = grabPending(w);
    try {
      w.incDisable();
    } finally {
      w.clearPending();
    }
    return g == Grab.GRABBED;
  }

  /** Kernel disable_work_sync. Returns: true if it was pending. */
  public static boolean disableSync(WorkItem w) throws InterruptedException {
    checkNotSelf(w, "disableSync()");
    boolean was = disable(w);
    waitRunning(w);
    return was;
  }

  /** Kernel enable_work. Returns: true if the disable depth reached 0. */
  public static boolean enable(WorkItem w) {
    return w.decDisable() == 0;
  }

  /**
   * Kernel flush_work (and flush_delayed_work: an armed timer is fired now first). Returns: true
   * if it waited for an instance, false if the item was idle.
   */
  public static boolean flush(WorkItem w) throws InterruptedException {
    checkNotSelf(w, "flush()");
    WorkqueueStruct twq = w.timerWq;
    boolean fired = false;
    if (twq != null && twq.rt.timer.cancel(w)) {
      twq.queueOwned(w.timerCpu, w, true);
      fired = true;
    }
    Barrier b = insertBarrier(w, false);
    if (b == null) {
      return fired; // we fired it and it already ran: it was pending when we were called
    }
    await(b.done);
    return true;
  }

  /** Waits for a running instance only (the cancel path of flush_work). */
  private static void waitRunning(WorkItem w) throws InterruptedException {
    Barrier b = insertBarrier(w, true);
    if (b != null) {
      await(b.done);
    }
  }

  /**
   * Queues a barrier right behind the latest instance of {@code w}: behind it on its list if it
   * is queued, else at the head of the scheduled list of the worker running it (kernel
   * {@code start_flush_work} / {@code insert_wq_barrier}).
   *
   * <p>Returns: the barrier, or null if the item is neither queued nor running.
   */
  private static @Nullable Barrier insertBarrier(WorkItem w, boolean runningOnly) {
    for (int spins = 0; ; spins++) {
      PoolWorkqueue pwq = runningOnly ? null : w.loPwq();
      WorkerPool pool = pwq != null ? pwq.pool : w.lastPool;
      if (pool == null) {
        if (!runningOnly && w.isPendingBit()) {
          backOff(spins); // being queued right now
          continue;
        }
        return null;
      }
      Barrier b;
      WorkerPool.Kick kick = WorkerPool.Kick.NONE;
      pool.lock.lock();
      try {
        PoolWorkqueue q = runningOnly ? null : w.pwq;
        if (q != null) {
          if (q.pool != pool) {
            continue; // moved between pools: look again
          }
          b = new Barrier();
          b.color = w.color;
          b.linked = w.linked;
          w.linked = true;
          b.pwq = q;
          q.nrInFlight[b.color]++;
          q.totalInFlight++;
          WorkList.addAfter(b, w);
        } else {
          Worker r = w.runner;
          if (r == null || r.pool != pool) {
            if (!runningOnly && w.isPendingBit() && w.loPwq() == null) {
              b = null; // being queued right now: look again
            } else {
              return null;
            }
          } else {
            b = new Barrier();
            PoolWorkqueue cur = r.currentPwq;
            b.color = r.currentColor;
            b.pwq = cur;
            cur.nrInFlight[b.color]++;
            cur.totalInFlight++;
            r.scheduled.addFirst(b);
          }
        }
        if (b != null && pool.needMoreWorker()) {
          kick = pool.kick();
        }
      } finally {
        pool.lock.unlock();
      }
      if (kick == WorkerPool.Kick.NEED_WORKER) {
        pool.createWorkerAsManager();
      }
      if (b != null) {
        return b;
      }
      backOff(spins);
    }
  }

  /**
   * Throws IllegalStateException where waiting for {@code w} would wait for the caller: from
   * inside {@code w}, or from an item of a workqueue that runs one item at a time while
   * {@code w} is queued behind it there (kernel lockdep's recursion check for max_active 1).
   */
  private static void checkNotSelf(WorkItem w, String what) {
    Worker self = Worker.current();
    if (self == null) {
      return;
    }
    if (self.currentWork == w) {
      throw new IllegalStateException(what + " of a work item from inside itself would wait for itself");
    }
    PoolWorkqueue mine = self.currentPwq;
    PoolWorkqueue target = w.loPwq();
    if (mine != null && target != null && target.wq == mine.wq && mine.wq.maxActive() == 1) {
      throw new IllegalStateException(
          what + " of an item queued behind the caller on workqueue " + mine.wq.name + " (max_active 1) would wait for itself");
    }
  }

  // ---- delayed work (kernel queue_delayed_work_on, mod_delayed_work_on) ----

  /** Returns: true if armed (or queued at once for a zero delay), false if already pending. */
  public static boolean queueDelayed(WorkqueueStruct wq, int cpu, WorkItem w, long delayNanos) {
    Objects.requireNonNull(w, "work");
    if (delayNanos < 0) {
      throw new IllegalArgumentException("delay must not be negative: " + delayNanos + " ns");
    }
    if (delayNanos == 0) {
      return wq.queueWork(cpu, w);
    }
    wq.checkCpu(cpu);
    if (wq.flags != 0) {
      wq.checkAccepting(); // same rejections as immediate queueing
    }
    if (!w.trySetPending()) {
      return false;
    }
    armOwned(wq, cpu, w, delayNanos);
    return true;
  }

  private static void armOwned(WorkqueueStruct wq, int cpu, WorkItem w, long delayNanos) {
    w.timerWq = wq;
    w.timerCpu = cpu;
    try {
      wq.rt.timer.arm(w, delayNanos);
    } catch (RejectedExecutionException e) {
      w.clearPending();
      throw e;
    }
  }

  /**
   * Kernel mod_delayed_work_on. Returns: true if it was pending and is now re-armed (or queued,
   * for a zero delay), false if it was idle and is now armed; a disabled item stays idle.
   */
  public static boolean modDelayed(WorkqueueStruct wq, int cpu, WorkItem w, long delayNanos) {
    Objects.requireNonNull(w, "work");
    if (delayNanos < 0) {
      throw new IllegalArgumentException("delay must not be negative: " + delayNanos + " ns");
    }
    wq.checkCpu(cpu);
    if (delayNanos > 0 && wq.flags == 0 && wq.rt.timer.rearmIfArmed(w, wq, cpu, delayNanos)) {
      return true;
    }
    Grab g = grabPending(w);
    if (w.disableDepth() > 0) {
      w.clearPending();
      return g == Grab.GRABBED;
    }
    if (delayNanos == 0) {
      wq.queueOwned(cpu, w, false);
    } else {
      if (wq.flags != 0) {
        try {
          wq.checkAccepting();
        } catch (RejectedExecutionException e) {
          w.clearPending();
          throw e;
        }
      }
      armOwned(wq, cpu, w, delayNanos);
    }
    return g == Grab.GRABBED;
  }

  // ---- waiting ----

  /**
   * Waits for {@code f}. On a worker thread the wait is declared to concurrency management, so
   * another worker takes the pool's next item meanwhile (waiting for an item queued behind the
   * caller cannot deadlock).
   */
  public static <T> T await(CompletableFuture<T> f) throws InterruptedException {
    awaitDone(f);
    try {
      return f.get();
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException) {
        throw (RuntimeException) c;
      }
      if (c instanceof Error) {
        throw (Error) c;
      }
      throw new IllegalStateException(c);
    }
  }

  /** Waits until {@code f} is done, declared to concurrency management on a worker. */
  public static void awaitDone(CompletableFuture<?> f) throws InterruptedException {
    if (f.isDone()) {
      return;
    }
    Worker w = Worker.current();
    if (w == null) {
      ForkJoinPool.managedBlock(blockerFor(f)); // off a worker: a plain wait
      return;
    }
    w.sleepBegin();
    try {
      ForkJoinPool.managedBlock(blockerFor(f));
    } finally {
      w.sleepEnd();
    }
  }

  private static ForkJoinPool.ManagedBlocker blockerFor(CompletableFuture<?> f) {
    return new ForkJoinPool.ManagedBlocker() {
      @Override
      public boolean block() throws InterruptedException {
        try {
          f.get();
        } catch (ExecutionException e) {
          // reported by the caller's get()
        }
        return true;
      }

      @Override
      public boolean isReleasable() {
        return f.isDone();
      }
    };
  }

  /**
   * Runs {@code body} as declared blocking: a bound worker leaves concurrency management for the
   * duration (kernel wq_worker_sleeping/wq_worker_running); other threads just run it.
   */
  public static void blockingBegin() {
    Worker w = Worker.current();
    if (w != null) {
      w.sleepBegin();
    }
  }

  public static void blockingEnd() {
    Worker w = Worker.current();
    if (w != null) {
      w.sleepEnd();
    }
  }

  /** Returns: the item the calling worker runs, or null (barriers are never reported). */
  public static @Nullable WorkItem currentWork() {
    Worker w = Worker.current();
    WorkItem c = w != null ? w.currentWork : null;
    return c == null || c.isBarrier() ? null : c;
  }

  /** Returns: whether the item is running now (work_busy's RUNNING; advisory). */
  public static boolean isRunning(WorkItem w) {
    return w.runner != null;
  }

  /** Kernel set_worker_desc: recorded on the calling worker, shown in dumps. */
  public static void setWorkerDesc(String desc) {
    Worker w = Worker.current();
    if (w != null && w.currentWork != null) {
      w.setDesc(desc);
    }
  }

  public static boolean isPending(WorkItem w) {
    return w.isPendingBit();
  }
}
