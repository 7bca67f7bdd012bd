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

  /** I for pool workers; for a rescuer, L: the pool it is attached to (kernel worker->pool). */
  WorkerPool pool;

  final int id; // I
  final boolean rescuer; // I
  Thread thread; // I: set before the thread starts

  int flags; // L
  /** L: declared blocking in progress (kernel: the task is asleep); depth counts nesting. */
  boolean sleeping;

  int sleepDepth; // W+L
  /** L: the sampler saw it blocked (or in I/O) on two ticks in a row; cleared when seen running. */
  boolean autoSleep;
  /** L: bumped each time the worker starts an item; tells the sampler "same item" from "next". */
  long itemSeq;
  /**
   * W, read opaque by the sampler: the worker is inside the item's function (not waiting for its
   * own pool lock around it, which must never count as the item blocking).
   */
  boolean inFunction;
  /** I: this thread's /proc stat file, where the OS has one (see NativeThreadState). */
  java.nio.file.@Nullable Path statFile;

  // S: the sampler's view of this worker, touched only by the ConcurrencyManager thread
  long sSeq = -1;
  int sAsleepTicks;
  long sCpu; // a thread's CPU time starts at 0: the first reading counts all it ran
  long sWall;
  long sItemCpu;

  @Nullable WorkItem currentWork; // L: written under the lock, read by the worker's own thread
  @Nullable PoolWorkqueue currentPwq; // L
  int currentColor; // L
  final WorkList scheduled = new WorkList(); // L: items assigned to this worker, run in order

  /** W: set_worker_desc while the current item runs; shown in dumps and the thread name. */
  volatile @Nullable String desc;
  /** W: the description of the last item that set one (the kernel's "-desc"). */
  volatile @Nullable String lastDesc;
  private @Nullable String baseName; // W

  /** Kernel set_worker_desc: {@code kworker/0:1+desc} while the item runs. Called by the worker itself. */
  void setDesc(String d) {
    if (baseName == null) {
      baseName = thread.getName();
    }
    desc = d;
    thread.setName(baseName + "+" + d);
  }

  private void restoreName() {
    lastDesc = desc;
    desc = null;
    if (baseName != null) {
      thread.setName(baseName);
    }
  }

  @Nullable Worker idleNext; // L
  @Nullable Worker idlePrev; // L
  long lastActive; // L: time-source nanos when it last went idle
  /** Written under L by whoever wakes it, read by the parked worker without the lock. */
  volatile boolean woken;
  /**
   * A: set while the worker spins in {@link #spinForKick} for a kick, which then needs no unpark
   * (the queueing thread's unpark of a running thread still costs a lock and a store on the
   * thread's parker). Written by the worker only.
   */
  volatile boolean spinning;

  Worker(WorkerPool pool, int id) {
    this(pool, id, false);
  }

  private static final java.lang.invoke.VarHandle IN_FUNCTION;

  static {
    try {
      IN_FUNCTION = java.lang.invoke.MethodHandles.lookup().findVarHandle(Worker.class, "inFunction", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Returns: whether the worker is inside an item's function; a racy hint for the sampler. */
  boolean loInFunction() {
    return (boolean) IN_FUNCTION.getOpaque(this);
  }

  /** A rescuer never counts as running: it is permanently outside concurrency management. */
  Worker(WorkerPool pool, int id, boolean rescuer) {
    this.pool = pool;
    this.id = id;
    this.rescuer = rescuer;
    this.flags = PREP | (pool.isUnbound() || rescuer ? UNBOUND : 0);
  }

  /** Returns: the worker the calling thread is, or null. */
  static @Nullable Worker current() {
    return RuntimeCore.CTX.get().worker;
  }

  /** Returns: whether this worker counts in nrRunning. Locking: pool lock held. */
  private boolean counted() {
    return (flags & NOT_RUNNING) == 0 && !sleeping && !autoSleep;
  }

  /** The sampler's verdict (kernel wq_worker_sleeping / wq_worker_running). Locking: pool lock held. */
  void setAutoSleep(boolean asleep) {
    boolean was = counted();
    autoSleep = asleep;
    boolean now = counted();
    if (was && !now) {
      pool.nrRunning--;
    } else if (!was && now) {
      pool.nrRunning++;
    }
  }

  /** Rescuer: attaches to {@code p} (kernel worker_attach_to_pool). Locking: p's lock held. */
  void attach(WorkerPool p) {
    assert rescuer && p.lock.isHeldByCurrentThread();
    pool = p;
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

  /**
   * Joins the idle list at its head (LIFO). If the pool now has idle workers to spare, the
   * oldest idle one is nudged so that it sleeps with the idle timeout (kernel: worker_enter_idle
   * arms the pool's idle timer when too_many_workers). Locking: pool lock held.
   */
  void enterIdle() {
    flags |= IDLE;
    pool.nrIdle++;
    lastActive = RuntimeCore.engineNow();
    idlePrev = null;
    idleNext = pool.idleFirst;
    if (pool.idleFirst != null) {
      pool.idleFirst.idlePrev = this;
    } else {
      pool.idleLast = this;
    }
    pool.idleFirst = this;
    if (pool.tooManyWorkers()) {
      pool.nudgeOldestIdle();
    }
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
    statFile = NativeThreadState.statOfCurrentThread();
    WorkerPool pool = this.pool;
    pool.lock.lock();
    try {
      for (;;) {
        woken = false;
        if (!pool.needMoreWorker()) {
          // nothing for us: stay on the idle list (a woken worker that finds the work taken
          // does not flicker out of the idle count)
          if (pool.dying) {
            return;
          }
          if (!sleepIdle()) {
            return;
          }
          continue;
        }
        leaveIdle();
        // keep a spare idle worker before starting, so a blocking item never leaves the pool
        // without one (kernel may_start_working / manage_workers)
        if (!pool.mayStartWorking() && manageWorkers()) {
          continue;
        }
        clrFlags(PREP);
        pool.rt.cm.noteBusy();
        do {
          WorkItem w = pool.worklist.first();
          if (assign(w)) {
            processScheduled();
          }
        } while (pool.keepWorking());
        setFlags(PREP);
      }
    } finally {
      detach();
      pool.rt.workerExiting(thread);
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
    if ((flags & IDLE) == 0) {
      enterIdle();
    }
    long timeout = pool.rt.idleTimeoutNanos;
    boolean firstPass = true;
    for (;;) {
      // only the oldest idle worker of a pool with workers to spare waits with a timeout; a
      // younger one is nudged when it becomes the oldest (see WorkerPool.nudgeOldestIdle)
      boolean mayReap = pool.idleLast == this && pool.tooManyWorkers();
      long wait = lastActive + timeout - RuntimeCore.engineNow();
      // the most recently idled worker is the one the next kick wakes (LIFO): it spins briefly
      // first, so a producer that queues again within a few microseconds finds it awake; only
      // while work has been coming that fast (its last idle stretch was short), so that spinning
      // never takes a CPU from other threads when items arrive further apart
      // (once per idle stretch: a later pass follows a nudge or a spurious wake-up)
      boolean spin = firstPass && !mayReap && pool.idleFirst == this && lastIdleGap <= 2 * IDLE_SPIN_NANOS;
      firstPass = false;
      pool.lock.unlock();
      try {
        if (!mayReap) {
          if (!spin || !spinForKick()) {
            LockSupport.park(this);
          }
        } else if (wait > 0) {
          LockSupport.parkNanos(this, wait);
        }
      } finally {
        pool.lock.lock();
      }
      if (woken || (flags & IDLE) == 0 || pool.dying) {
        lastIdleGap = RuntimeCore.engineNow() - lastActive;
        return true;
      }
      if (pool.idleLast == this
          && pool.tooManyWorkers()
          && RuntimeCore.engineNow() - lastActive >= timeout) {
        leaveIdle();
        // the next oldest may have expired too: let it look (kernel idle_cull_fn loops)
        if (pool.tooManyWorkers()) {
          pool.nudgeOldestIdle();
        }
        return false;
      }
    }
  }

  /**
   * How long the worker a kick would wake spins before it parks. Parking and unparking a JVM
   * thread costs a few microseconds on each side (two futex calls); when items arrive a few
   * microseconds apart, a worker that parks after each one makes the queueing thread pay a
   * wake-up per item. The spin is bounded and runs only after the worker has just gone idle, so
   * an idle runtime still has no busy thread. None on a single CPU, where spinning only keeps the
   * queueing thread from running.
   */
  static final long IDLE_SPIN_NANOS =
      Long.getLong("cmwq.idleSpinNanos", Runtime.getRuntime().availableProcessors() > 1 ? 20_000L : 0L);

  /**
   * W, under L: how long this worker's last idle stretch lasted, from going idle to being woken
   * (the gap between two items as it saw it). Starts long: a new worker parks without spinning.
   */
  private long lastIdleGap = Long.MAX_VALUE;

  /**
   * Spins until a kick marks this worker woken or {@link #IDLE_SPIN_NANOS} pass. Locking: none
   * held. Returns: true if it was woken; a kick that finds {@link #spinning} set skips its
   * unpark, so a successful spin leaves no permit behind.
   */
  private boolean spinForKick() {
    long spinNanos = IDLE_SPIN_NANOS;
    if (spinNanos <= 0) {
      return false;
    }
    // volatile write, then read woken; a kick writes woken, then reads spinning (Dekker): a kick
    // that saw spinning and skipped its unpark is seen here, before this worker can park
    spinning = true;
    long start = System.nanoTime();
    for (int i = 0; ; i++) {
      if (woken) {
        spinning = false;
        return true;
      }
      Thread.onSpinWait();
      if ((i & 63) == 63 && System.nanoTime() - start >= spinNanos) {
        spinning = false;
        return woken;
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
    if (pool.managerActive || pool.coolingDown()) {
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
      pool.startCooldown();
    }
    return true;
  }

  /**
   * Takes {@code w} off the worklist for this worker, or hands it to the worker of this pool
   * that is already running it (kernel {@code assign_work}: non-reentrancy).
   *
   * <p>Locking: pool lock held. Returns: true if {@code w} went to this worker's scheduled list.
   */
  boolean assign(WorkItem w) {
    Worker collision = w.runner;
    if (collision != null && collision.pool == pool && collision != this) {
      pool.moveLinkedWorks(w, collision.scheduled);
      return false;
    }
    pool.moveLinkedWorks(w, scheduled);
    return true;
  }

  /** Runs the scheduled list to the end. Locking: pool lock held. */
  void processScheduled() {
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
    itemSeq++;
    pool.progressSeq++;
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
    Events.ExecuteWork event = Events.executeStart();
    IN_FUNCTION.setOpaque(this, true);
    try {
      work.execute();
    } catch (Throwable t) {
      failure = t;
    }
    IN_FUNCTION.setOpaque(this, false);
    Events.executeEnd(event, pwq, work, failure);
    if (failure != null) {
      pool.rt.reportFailure(Thread.currentThread(), wq, failure);
    }
    if (desc != null) {
      restoreName();
    }
    // an item must not leave an interrupt behind for the next one
    Thread.interrupted();
    pool.lock.lock();
    if (autoSleep) {
      setAutoSleep(false); // it returned: it is running again
    }
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
