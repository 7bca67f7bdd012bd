package dev.cmwq.internal;

import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * The kernel's {@code worker}: one platform thread of a {@link WorkerPool}, running the
 * {@code worker_thread} loop.
 *
 * <p>{@link #run()} holds the pool lock except while a work function runs and while the worker
 * sleeps idle, exactly like the kernel's loop, so a hand-off costs one lock acquisition on the
 * worker side.
 */
final class Worker implements Runnable {

  // worker flags (kernel WORKER_*); NOT_RUNNING ones keep the worker out of nrRunning
  static final int IDLE = 1 << 2;
  static final int PREP = 1 << 3;
  static final int CPU_INTENSIVE = 1 << 6;
  static final int UNBOUND = 1 << 7;
  static final int NOT_RUNNING = PREP | CPU_INTENSIVE | UNBOUND;

  final WorkerPool pool; // I
  final int id; // I
  Thread thread; // I: set before the thread starts

  int flags; // L
  /** L: declared blocking in progress (kernel: the task is asleep); depth counts nesting. */
  boolean sleeping;
  int sleepDepth; // W+L

  @Nullable WorkItem currentWork; // L: written under the lock, read by the worker's own thread
  @Nullable PoolWorkqueue currentPwq; // L
  int currentColor; // L
  final WorkList scheduled = new WorkList(); // L: items assigned to this worker, run in order

  /** W: set_worker_desc; shown in dumps. */
  volatile @Nullable String desc;

  @Nullable Worker idleNext; // L
  @Nullable Worker idlePrev; // L
  long lastActive; // L: time-source nanos when it last went idle
  /** Written under L by whoever wakes it, read by the parked worker without the lock. */
  volatile boolean woken;

  Worker(WorkerPool pool, int id) {
    this.pool = pool;
    this.id = id;
    this.flags = PREP | (pool.isUnbound() ? UNBOUND : 0);
  }

  /** Returns: the worker the calling thread is, or null. */
  static @Nullable Worker current() {
    return RuntimeCore.CTX.get().worker;
  }

  /** Returns: whether this worker counts in nrRunning. Locking: pool lock held. */
  private boolean counted() {
    return (flags & NOT_RUNNING) == 0 && !sleeping;
  }

  /** Locking: pool lock held. */
  void setFlags(int f) {
    boolean was = counted();
    flags |= f;
    if (was && !counted()) {
      pool.nrRunning--;
    }
  }

  /** Locking: pool lock held. */
  void clrFlags(int f) {
    boolean was = counted();
    flags &= ~f;
    if (!was && counted()) {
      pool.nrRunning++;
    }
  }

  /** Joins the idle list at its head (LIFO). Locking: pool lock held. */
  void enterIdle() {
    flags |= IDLE;
    pool.nrIdle++;
    lastActive = pool.rt.now();
    idlePrev = null;
    idleNext = pool.idleFirst;
    if (pool.idleFirst != null) {
      pool.idleFirst.idlePrev = this;
    } else {
      pool.idleLast = this;
    }
    pool.idleFirst = this;
  }

  /** Leaves the idle list if on it. Locking: pool lock held. */
  void leaveIdle() {
    if ((flags & IDLE) == 0) {
      return;
    }
    flags &= ~IDLE;
    pool.nrIdle--;
    if (idlePrev != null) {
      idlePrev.idleNext = idleNext;
    } else {
      pool.idleFirst = idleNext;
    }
    if (idleNext != null) {
      idleNext.idlePrev = idlePrev;
    } else {
      pool.idleLast = idlePrev;
    }
    idleNext = null;
    idlePrev = null;
  }

  /** The kernel's {@code worker_thread}. */
  @Override
  public void run() {
    RuntimeCore.CTX.get().worker = this;
    WorkerPool pool = this.pool;
    pool.lock.lock();
    try {
      for (;;) {
        leaveIdle();
        woken = false;
        if (!pool.needMoreWorker()) {
          if (pool.dying) {
            return;
          }
          if (!sleepIdle()) {
            return;
          }
          continue;
        }
        // keep a spare idle worker before starting, so a blocking item never leaves the pool
        // without one (kernel may_start_working / manage_workers)
        if (!pool.mayStartWorking() && manageWorkers()) {
          continue;
        }
        clrFlags(PREP);
        do {
          WorkItem w = pool.worklist.first();
          if (assignWork(w)) {
            processScheduledWorks();
          }
        } while (pool.keepWorking());
        setFlags(PREP);
      }
    } finally {
      detach();
      pool.lock.unlock();
      pool.rt.releaseWorker();
      RuntimeCore.CTX.get().worker = null;
    }
  }

  /**
   * Sleeps on the idle list until woken. An idle worker the pool can spare exits after the idle
   * timeout (kernel idle_cull_fn: the oldest idle first).
   *
   * <p>Locking: pool lock held on entry and on return; dropped while parked. Returns: false if
   * this worker must exit.
   */
  private boolean sleepIdle() {
    enterIdle();
    long timeout = pool.rt.idleTimeoutNanos;
    for (;;) {
      boolean mayReap = pool.tooManyWorkers();
      pool.lock.unlock();
      try {
        if (mayReap) {
          LockSupport.parkNanos(this, timeout);
        } else {
          LockSupport.park(this);
        }
      } finally {
        pool.lock.lock();
      }
      if (woken || (flags & IDLE) == 0 || pool.dying) {
        return true;
      }
      if (mayReap
          && pool.tooManyWorkers()
          && pool.idleLast == this
          && pool.rt.now() - lastActive >= timeout) {
        leaveIdle();
        return false;
      }
    }
  }

  /**
   * Creates a spare worker while none is idle (kernel {@code manage_workers}).
   *
   * <p>Locking: pool lock held; dropped and retaken when a worker is created. Returns: true if it
   * dropped the lock (the caller must re-check the pool's state).
   */
  private boolean manageWorkers() {
    if (pool.managerActive || pool.rt.now() - pool.createRetryAt < 0) {
      return false;
    }
    pool.managerActive = true;
    pool.lock.unlock();
    boolean ok;
    try {
      ok = pool.createWorker();
    } finally {
      pool.lock.lock();
      pool.managerActive = false;
    }
    if (!ok) {
      // cap reached or the thread factory failed: work on without a spare and retry later
      pool.createRetryAt = pool.rt.now() + RuntimeCore.CREATE_COOLDOWN_NANOS;
    }
    return true;
  }

  /**
   * Takes {@code w} off the worklist for this worker, or hands it to the worker of this pool
   * that is already running it (kernel {@code assign_work}: non-reentrancy).
   *
   * <p>Locking: pool lock held. Returns: true if {@code w} went to this worker's scheduled list.
   */
  private boolean assignWork(WorkItem w) {
    Worker collision = w.runner;
    if (collision != null && collision.pool == pool && collision != this) {
      pool.moveLinkedWorks(w, collision.scheduled);
      return false;
    }
    pool.moveLinkedWorks(w, scheduled);
    return true;
  }

  /** Locking: pool lock held. */
  private void processScheduledWorks() {
    WorkItem w;
    while ((w = scheduled.first()) != null) {
      processOneWork(w);
    }
  }

  /**
   * Runs one item (kernel {@code process_one_work}).
   *
   * <p>Locking: pool lock held on entry and on return; dropped while the function runs.
   */
  private void processOneWork(WorkItem work) {
    WorkerPool pool = this.pool;
    PoolWorkqueue pwq = work.pwq;
    WorkList.unlink(work);
    work.pwq = null;
    work.linked = false;
    int color = work.color;
    boolean active = !work.inactive;
    boolean barrier = work.isBarrier();
    currentWork = work;
    currentPwq = pwq;
    currentColor = color;
    if (!barrier) {
      work.runner = this;
      work.lastPool = pool;
    }
    WorkqueueStruct wq = pwq.wq;
    if (wq.cpuIntensive) {
      setFlags(CPU_INTENSIVE);
    }
    // chain execution for workers that do not count as running (unbound, CPU-intensive)
    boolean create = pool.kick() == WorkerPool.Kick.NEED_WORKER;
    if (!barrier) {
      // the CAS publishes runner/lastPool to a queuer that sets PENDING after it
      work.clearPending();
      pwq.started++;
    }
    pool.lock.unlock();
    if (create) {
      pool.createWorkerAsManager();
    }
    Throwable failure = null;
    try {
      work.execute();
    } catch (Throwable t) {
      failure = t;
    }
    if (failure != null) {
      pool.rt.reportFailure(Thread.currentThread(), wq, failure);
    }
    // an item must not leave an interrupt behind for the next one
    Thread.interrupted();
    pool.lock.lock();
    clrFlags(CPU_INTENSIVE);
    if (!barrier) {
      pwq.completed++;
      if (failure != null) {
        pwq.failed++;
      }
      work.runner = null;
    }
    currentWork = null;
    currentPwq = null;
    boolean after = active && pwq.decNrActive();
    boolean flushDone = pwq.decNrInFlight(color);
    after |= pwq.retired && pwq.isIdle();
    if (flushDone || after) {
      pool.lock.unlock();
      try {
        if (flushDone) {
          wq.flushColorDone();
        }
        if (after) {
          wq.afterPwqChange(pwq);
        }
      } finally {
        pool.lock.lock();
      }
    }
  }

  // ---- declared blocking (kernel wq_worker_sleeping / wq_worker_running) ----

  /**
   * The calling worker is about to block: it leaves nrRunning and, if work waits, another worker
   * is woken (or created) to take it. Nests. Locking: takes the pool lock.
   */
  void sleepBegin() {
    WorkerPool pool = this.pool;
    pool.lock.lock();
    try {
      if (sleepDepth++ > 0 || currentWork == null) {
        return;
      }
      boolean was = counted();
      sleeping = true;
      if (!was) {
        return;
      }
      pool.nrRunning--;
      WorkerPool.Kick k = pool.kick();
      if (k == WorkerPool.Kick.WOKE && currentPwq != null) {
        currentPwq.cmWakeups++;
      } else if (k == WorkerPool.Kick.NEED_WORKER) {
        pool.lock.unlock();
        try {
          pool.createWorkerAsManager();
        } finally {
          pool.lock.lock();
        }
        if (currentPwq != null) {
          currentPwq.cmWakeups++;
        }
      }
    } finally {
      pool.lock.unlock();
    }
  }

  /** The calling worker runs again and rejoins nrRunning. Locking: takes the pool lock. */
  void sleepEnd() {
    WorkerPool pool = this.pool;
    pool.lock.lock();
    try {
      if (sleepDepth == 0 || --sleepDepth > 0 || !sleeping) {
        return;
      }
      boolean was = counted();
      sleeping = false;
      if (!was && counted()) {
        pool.nrRunning++;
      }
    } finally {
      pool.lock.unlock();
    }
  }

  /** Leaves the pool. Locking: pool lock held. */
  private void detach() {
    leaveIdle();
    if (counted() && (flags & PREP) == 0) {
      pool.nrRunning--;
    }
    pool.workers.remove(this);
    pool.workerIds.clear(id);
    pool.nrWorkers--;
  }

  @Override
  public String toString() {
    return thread != null ? thread.getName() : "worker " + pool.id + ":" + id;
  }
}
