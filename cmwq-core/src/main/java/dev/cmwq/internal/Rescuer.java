package dev.cmwq.internal;

import java.util.ArrayDeque;
import java.util.concurrent.locks.LockSupport;

/**
 * The rescuer of a {@code memReclaim()} workqueue (kernel {@code rescuer_thread}): a thread made
 * when the workqueue is built, outside the worker cap, that runs the workqueue's items on a pool
 * that cannot get a worker.
 *
 * <p>A starving pool sends a mayday for each of its pool workqueues that has a rescuer and work
 * on the pool; the rescuer attaches to that pool, takes every item of that pool workqueue from the
 * pool's worklist, runs them, and detaches. It never takes part in concurrency management.
 */
final class Rescuer implements Runnable {

  private final WorkqueueStruct wq; // I
  final Worker worker; // I: the rescuer's worker; its pool is the one it is attached to
  final Thread thread; // I

  /** Guarded by this: pool workqueues that asked for help (kernel wq->maydays). */
  private final ArrayDeque<PoolWorkqueue> maydays = new ArrayDeque<>();

  private boolean stopping; // guarded by this

  Rescuer(WorkqueueStruct wq, WorkerPool anyPool) {
    this.wq = wq;
    this.worker = new Worker(anyPool, -1, true);
    this.thread = new Thread(this, wq.rt.threadNamePrefix + "R-" + wq.name);
    thread.setDaemon(true);
    thread.setPriority(Thread.MAX_PRIORITY); // kernel RESCUER_NICE_LEVEL = MIN_NICE
    worker.thread = thread;
    thread.start();
  }

  /**
   * Queues a mayday for {@code pwq} unless one is pending (kernel send_mayday).
   *
   * <p>Locking: {@code pwq.pool.lock} held (nests the rescuer's monitor inside it, as the kernel
   * nests wq_mayday_lock inside pool->lock). Returns: true if it was queued.
   */
  boolean sendMayday(PoolWorkqueue pwq) {
    synchronized (this) {
      if (pwq.maydayQueued || stopping) {
        return false;
      }
      pwq.maydayQueued = true;
      maydays.addLast(pwq);
    }
    pwq.mayday++;
    Events.mayday(pwq);
    LockSupport.unpark(thread);
    return true;
  }

  void stop() {
    synchronized (this) {
      stopping = true;
    }
    LockSupport.unpark(thread);
  }

  @Override
  public void run() {
    RuntimeCore.CTX.get().worker = worker;
    for (;;) {
      PoolWorkqueue pwq;
      synchronized (this) {
        pwq = maydays.pollFirst();
        if (pwq == null && stopping) {
          return; // kernel: the rescuer empties maydays before it exits
        }
      }
      if (pwq == null) {
        LockSupport.park(this);
        continue;
      }
      rescue(pwq);
    }
  }

  /** Runs every item of {@code pwq} waiting on its pool's worklist. Locking: takes the pool lock. */
  private void rescue(PoolWorkqueue pwq) {
    WorkerPool pool = pwq.pool;
    pool.lock.lock();
    try {
      synchronized (this) {
        pwq.maydayQueued = false;
      }
      worker.attach(pool);
      // take every item of this pool workqueue off the worklist (kernel assign_work per item)
      WorkItem w = pool.worklist.first();
      while (w != null) {
        WorkItem next = pool.worklist.nextOf(w);
        while (next != null && next.isBarrier() && w.linked) {
          next = pool.worklist.nextOf(next); // linked barriers move with their item
        }
        if (w.pwq == pwq) {
          if (worker.assign(w)) {
            pwq.rescued++;
          }
        }
        w = next;
      }
      worker.processScheduled();
      // still starving with work of ours active: come back without waiting for the next mayday
      if (pwq.nrActive > 0 && pool.needToCreateWorker()) {
        sendMayday(pwq);
      }
      if (pool.kick() == WorkerPool.Kick.NEED_WORKER) {
        pool.managerActive = false; // the sampler retries creation; the rescuer creates nothing
      }
    } finally {
      pool.lock.unlock();
    }
  }

  @Override
  public String toString() {
    return thread.getName();
  }
}
