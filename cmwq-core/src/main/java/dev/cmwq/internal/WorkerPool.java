package dev.cmwq.internal;

import dev.cmwq.WorkqueueAttrs;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The kernel's {@code worker_pool}: a FIFO worklist shared by every workqueue that feeds it, and
 * the workers that serve it.
 *
 * <p>A bound pool (one normal and one highpri per CPU slot) is concurrency-managed: it keeps
 * one worker running ({@link #nrRunning}) and wakes another only when the running one sleeps.
 * An unbound pool is not: its workers never count as running, so every item that becomes active
 * wakes or creates a worker.
 */
final class WorkerPool {

  /** Idle workers beyond two are reaped while they outnumber a quarter of the busy ones. */
  static final int MAX_IDLE_WORKERS_RATIO = 4;

  final RuntimeCore rt; // I
  final int id; // I
  /** I: the CPU slot, or -1 for an unbound pool. */
  final int cpu;
  final boolean highpri; // I
  /** I: the attributes an unbound pool is keyed by; null for a bound pool. */
  final @Nullable WorkqueueAttrs attrs;
  final int javaPriority; // I

  final ReentrantLock lock = new PoolLock(); // spins before parking: see PoolLock

  final WorkList worklist = new WorkList(); // L: active items waiting for a worker, FIFO
  int nrWorkers; // L
  int nrIdle; // L
  /** L: workers running an item and not flagged NOT_RUNNING or sleeping (kernel nr_running). */
  int nrRunning;
  /** L: most recently idled first (LIFO), linked through Worker.idleNext/idlePrev. */
  @Nullable Worker idleFirst;
  @Nullable Worker idleLast; // L
  final List<Worker> workers = new ArrayList<>(); // L: every attached worker
  final BitSet workerIds = new BitSet(); // L: the kernel's worker_ida
  boolean managerActive; // L: one manager at a time creates workers
  /** L: after a failed creation, no retry before this (engine clock), while {@link #cooling}. */
  long createRetryAt;

  boolean cooling; // L
  boolean dying; // L: shut down, or an unbound pool whose last user left
  /** L: when the pool first needed a worker it could not create; 0 when not starving. */
  long starvingSince;
  long lastMayday; // L: when maydays were last sent, 0 for none yet
  /** L: bumped each time a worker takes an item; the watchdog's notion of progress. */
  long progressSeq;
  long wdSeq; // S: progressSeq at the watchdog's last look
  long wdSince; // S: since when progressSeq has not moved with work waiting; 0 = not watching
  long wdStuckNanos; // S: how long it was stuck when last reported
  int refcnt; // PM: unbound pools: pool workqueues using it

  WorkerPool(RuntimeCore rt, int id, int cpu, boolean highpri, @Nullable WorkqueueAttrs attrs) {
    this.rt = rt;
    this.id = id;
    this.cpu = cpu;
    this.highpri = highpri;
    this.attrs = attrs;
    int nice = attrs != null ? attrs.nice() : highpri ? -20 : 0;
    this.javaPriority = javaPriorityOf(nice);
  }

  /** Maps nice -20..19 onto Java priorities 10..1, nice 0 onto NORM_PRIORITY. */
  static int javaPriorityOf(int nice) {
    return Math.max(Thread.MIN_PRIORITY, Math.min(Thread.MAX_PRIORITY, Thread.NORM_PRIORITY - nice / 4));
  }

  boolean isUnbound() {
    return cpu < 0;
  }

  // ---- policy predicates (kernel names); Locking: pool lock held ----

  /** Work is waiting and nobody is running it. */
  boolean needMoreWorker() {
    return !worklist.isEmpty() && nrRunning == 0;
  }

  /** An idle worker exists, so one may start processing and still leave a spare. */
  boolean mayStartWorking() {
    return nrIdle > 0;
  }

  /** The worker that just finished should take the next item. */
  boolean keepWorking() {
    return !worklist.isEmpty() && nrRunning <= 1;
  }

  /**
   * Wakes the oldest idle worker without giving it work, so that it re-reads whether it may be
   * reaped and sleeps with the idle timeout. Locking: pool lock held.
   */
  void nudgeOldestIdle() {
    Worker oldest = idleLast;
    if (oldest != null && !oldest.woken && oldest.thread != null) {
      LockSupport.unpark(oldest.thread);
    }
  }

  /** Work waits with nobody running and no idle worker to wake. */
  boolean needToCreateWorker() {
    return needMoreWorker() && !mayStartWorking();
  }

  /** Idle workers to spare: more than two, and more than a quarter of the busy ones. */
  boolean tooManyWorkers() {
    int nrBusy = nrWorkers - nrIdle;
    return nrIdle > 2 && (nrIdle - 2) * MAX_IDLE_WORKERS_RATIO >= nrBusy;
  }

  // ---- waking ----

  /**
   * Wakes the most recently idled worker if work waits with nobody running (kernel
   * {@code kick_pool}).
   *
   * <p>Locking: pool lock held. Returns: {@link Kick#NEED_WORKER} when work waits, no worker is
   * idle and no manager is creating one: the caller has been made manager
   * ({@link #managerActive} set) and must call {@link #createWorkerAsManager()} after dropping
   * the lock.
   */
  Kick kick() {
    return kick(false);
  }

  /**
   * As {@link #kick()}, but a worker to wake is only marked woken and left in {@link #toWake};
   * the caller takes it with {@link #takeToWake()} before dropping the lock and unparks it after.
   * Waking a worker while holding the lock it is about to take makes it run into that lock and
   * sleep a second time; on the queueing path that doubled the hand-off latency.
   */
  Kick kickDeferred() {
    return kick(true);
  }

  /** L: a worker marked woken by {@link #kickDeferred()} whose thread still needs its unpark. */
  private @Nullable Thread toWake;

  /** Returns: the thread a deferred kick left to unpark, and forgets it. Locking: pool lock held. */
  @Nullable Thread takeToWake() {
    Thread t = toWake;
    toWake = null;
    return t;
  }

  private Kick kick(boolean defer) {
    assert lock.isHeldByCurrentThread();
    if (!needMoreWorker()) {
      return Kick.NONE;
    }
    Worker w = idleFirst;
    if (w != null) {
      if (!w.woken) {
        // volatile write, then unpark: the idle worker re-reads woken after every park return.
        // Another kick meanwhile sees woken and relies on this unpark, which always follows,
        // unless the worker is spinning for a kick: it re-reads woken before it parks (see
        // Worker.spinForKick: woken written here before spinning is read).
        w.woken = true;
        if (!w.spinning) {
          if (defer) {
            toWake = w.thread;
          } else {
            LockSupport.unpark(w.thread);
          }
        }
      }
      return Kick.WOKE;
    }
    if (managerActive) {
      return Kick.NONE;
    }
    if (coolingDown()) {
      markStarving(); // cooling down after a failed creation: the sampler retries and maydays
      return Kick.NONE;
    }
    managerActive = true;
    return Kick.NEED_WORKER;
  }

  /** A creation failed: no new attempt for CREATE_COOLDOWN. Locking: pool lock held. */
  void startCooldown() {
    cooling = true;
    createRetryAt = RuntimeCore.engineNow() + RuntimeCore.CREATE_COOLDOWN_NANOS;
  }

  /** Returns: whether a failed creation's cool-down still runs. Locking: pool lock held. */
  boolean coolingDown() {
    if (cooling && RuntimeCore.engineNow() - createRetryAt >= 0) {
      cooling = false;
    }
    return cooling;
  }

  /** Clocks may read 0: the "not set" sentinels of this class never do. */
  static long nonZero(long t) {
    return t == 0 ? 1 : t;
  }

  /** The pool needs a worker it cannot have right now. Locking: pool lock held. */
  void markStarving() {
    if (starvingSince == 0) {
      starvingSince = nonZero(RuntimeCore.engineNow());
    }
    rt.cm.noteBusy();
  }

  /**
   * Sends a mayday for every pool workqueue with a rescuer that has work on the worklist
   * (kernel pool_mayday_timeout / send_mayday). Locking: pool lock held.
   */
  void sendMaydays() {
    assert lock.isHeldByCurrentThread();
    for (WorkItem w = worklist.first(); w != null; w = worklist.nextOf(w)) {
      PoolWorkqueue pwq = w.pwq;
      if (pwq != null && pwq.wq.rescuer != null) {
        pwq.wq.rescuer.sendMayday(pwq);
      }
    }
  }

  enum Kick {
    NONE,
    WOKE,
    NEED_WORKER
  }

  /**
   * Creates a worker as this pool's manager, releases the manager role, and kicks again: a kick
   * that came while the role was held returned NONE and relies on this re-check (kernel
   * manage_workers re-checks after maybe_create_worker). Creates another worker while the kick
   * still asks for one, or while the pool has no idle spare (a worker that started processing
   * meanwhile found the role taken and could not make one); a failed creation leaves the pool to
   * the cool-down and the sampler.
   *
   * <p>Locking: called without the pool lock, with {@link #managerActive} set by the caller.
   */
  void createWorkerAsManager() {
    for (;;) {
      boolean ok = createWorker();
      lock.lock();
      try {
        managerActive = false;
        if (ok) {
          starvingSince = 0;
          lastMayday = 0;
        } else {
          startCooldown();
          if (needToCreateWorker()) {
            markStarving();
          }
          return;
        }
        if (kick() == Kick.NEED_WORKER) {
          continue; // work waits and nobody can take it: another worker
        }
        // a worker that started processing while we held the manager role could not make its
        // spare (kernel may_start_working): make it now, so a blocking item finds one
        if (nrIdle == 0 && nrWorkers > 0 && !dying) {
          managerActive = true;
          continue;
        }
        return;
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * Starts one worker thread, idle and woken (kernel {@code create_worker}).
   *
   * <p>Locking: called without the pool lock; takes it. Returns: false if the runtime's worker
   * cap is reached or the thread factory failed (logged).
   */
  boolean createWorker() {
    if (!rt.reserveWorker()) {
      return false;
    }
    int wid;
    lock.lock();
    try {
      wid = workerIds.nextClearBit(0);
      workerIds.set(wid);
    } finally {
      lock.unlock();
    }
    Worker w = new Worker(this, wid);
    Thread t;
    try {
      t = rt.newWorkerThread(w, workerName(wid), javaPriority);
    } catch (RuntimeException | Error e) {
      abortCreate(wid);
      RuntimeCore.LOG.log(System.Logger.Level.WARNING, "cmwq: could not create a worker for pool " + id, e);
      return false;
    }
    w.thread = t;
    lock.lock();
    try {
      workers.add(w);
      nrWorkers++;
      w.woken = true;
      w.enterIdle();
    } finally {
      lock.unlock();
    }
    try {
      t.start();
    } catch (RuntimeException | Error e) {
      lock.lock();
      try {
        w.leaveIdle();
        workers.remove(w);
        nrWorkers--;
      } finally {
        lock.unlock();
      }
      abortCreate(wid);
      RuntimeCore.LOG.log(System.Logger.Level.WARNING, "cmwq: could not start a worker for pool " + id, e);
      return false;
    }
    return true;
  }

  private void abortCreate(int wid) {
    lock.lock();
    try {
      workerIds.clear(wid);
    } finally {
      lock.unlock();
    }
    rt.releaseWorker();
  }

  /** Kernel naming: {@code kworker/0:1}, {@code kworker/0:1H}, {@code kworker/u4:2}. */
  String workerName(int wid) {
    String p = rt.threadNamePrefix;
    if (cpu < 0) {
      return p + "u" + id + ":" + wid;
    }
    return p + cpu + ":" + wid + (highpri ? "H" : "");
  }

  /**
   * Moves {@code w} and the barriers linked behind it to the tail of {@code to} (kernel
   * {@code move_linked_works}). Locking: pool lock held.
   */
  void moveLinkedWorks(WorkItem w, WorkList to) {
    assert lock.isHeldByCurrentThread();
    for (;;) {
      WorkItem n = w.next;
      boolean more = w.linked;
      WorkList.unlink(w);
      to.addLast(w);
      if (!more) {
        return;
      }
      w = n;
    }
  }

  /**
   * Marks the pool dying and wakes every idle worker so that it exits once no work is left.
   * Locking: takes the pool lock.
   */
  void destroy() {
    lock.lock();
    try {
      dying = true;
      for (Worker w = idleFirst; w != null; w = w.idleNext) {
        w.woken = true;
        LockSupport.unpark(w.thread);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Returns: the workers' threads (for shutdown joins and tests). Locking: takes the pool lock. */
  List<Thread> threads() {
    lock.lock();
    try {
      List<Thread> ts = new ArrayList<>(workers.size());
      for (Worker w : workers) {
        ts.add(w.thread);
      }
      return ts;
    } finally {
      lock.unlock();
    }
  }

  String describe() {
    if (cpu >= 0) {
      return "cpus=" + cpu + (highpri ? " highpri" : "");
    }
    return "unbound cpus=" + (attrs == null || attrs.cpus().isEmpty() ? "all" : new java.util.TreeSet<>(attrs.cpus()).toString());
  }
}
