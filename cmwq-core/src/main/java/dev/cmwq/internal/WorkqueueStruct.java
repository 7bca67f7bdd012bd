package dev.cmwq.internal;

import dev.cmwq.WorkqueueAttrs;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The kernel's {@code workqueue_struct}: a domain for flushing, draining, {@code max_active} and
 * forward progress. It executes nothing itself: its pool workqueues feed shared worker pools.
 */
public final class WorkqueueStruct {

  /** "The local CPU" for queueing: see {@link RuntimeCore#localCpu()}. */
  public static final int CPU_LOCAL = -1;

  /** Kernel WQ_MAX_ACTIVE / WQ_DFL_ACTIVE. */
  public static final int MAX_ACTIVE = 2048;

  public static final int DFL_ACTIVE = MAX_ACTIVE / 2;

  // flags (kernel __WQ_DRAINING, __WQ_DESTROYING); written under WQ, read racily
  static final int DRAINING = 1;
  static final int DESTROYING = 1 << 1;
  static final int DESTROYED = 1 << 2;
  /** The runtime shut down: reject like DESTROYING, but destroy() may still run to the end. */
  static final int SHUTDOWN = 1 << 3;

  final RuntimeCore rt; // I
  public final String name; // I
  final boolean unbound; // I
  final boolean highpri; // I
  final boolean cpuIntensive; // I
  final boolean memReclaim; // I
  final boolean freezable; // I
  final boolean ordered; // I
  final boolean system; // I: a system workqueue; cannot be destroyed

  volatile int maxActive; // WQ write, racy read
  volatile boolean frozen; // PM write, racy read
  volatile int flags; // WQ write, racy read

  final ReentrantLock mutex = new ReentrantLock();

  /** I (set once, right after construction): the public dev.cmwq.Workqueue of this struct. */
  public volatile @Nullable Object facade;

  /** I: the rescuer of a memReclaim() workqueue, made with it, outside the worker cap. */
  final @Nullable Rescuer rescuer;

  /** I: bound workqueues: the pool workqueue per CPU slot. */
  private final PoolWorkqueue @Nullable [] cpuPwqs;
  /** WQ write, volatile read: unbound/ordered: the pool workqueue new items go to. */
  private volatile @Nullable PoolWorkqueue dflPwq;
  private volatile WorkqueueAttrs attrs; // WQ write
  /** WQ: every live pool workqueue, oldest first. */
  private final List<PoolWorkqueue> pwqs = new ArrayList<>();
  private volatile int nrPwqs; // WQ write: pwqs.size(), for racy checks
  /** A: active items of an unbound workqueue, over all its pool workqueues (kernel nna->nr). */
  private final AtomicInteger unboundActive = new AtomicInteger();

  // flush state (kernel __flush_workqueue); all WQ
  private int workColor;
  private int flushColor;
  /** A: pool workqueues the first flusher still waits for; decremented under their pool locks. */
  final AtomicInteger nrPwqsToFlush = new AtomicInteger();
  private @Nullable Flusher firstFlusher;
  private final ArrayList<Flusher> flusherQueue = new ArrayList<>();
  private final ArrayList<Flusher> flusherOverflow = new ArrayList<>();
  private int nrDrainers; // WQ

  /** One flush request; completes when every item queued before it has finished. */
  private static final class Flusher {
    int color = -1; // WQ
    final CompletableFuture<Void> done = new CompletableFuture<>();
  }

  public WorkqueueStruct(
      RuntimeCore rt,
      String name,
      boolean unbound,
      boolean highpri,
      boolean cpuIntensive,
      boolean memReclaim,
      boolean freezable,
      boolean ordered,
      int maxActive,
      boolean system) {
    if (rt.isShutdown()) {
      throw new RejectedExecutionException("the workqueue runtime is shut down");
    }
    this.rt = rt;
    this.name = name;
    this.ordered = ordered;
    this.unbound = unbound || ordered;
    this.highpri = highpri;
    this.cpuIntensive = cpuIntensive && !this.unbound; // kernel: meaningless for unbound
    this.memReclaim = memReclaim;
    this.freezable = freezable;
    this.system = system;
    this.maxActive = ordered ? 1 : maxActive;
    this.attrs = highpri ? WorkqueueAttrs.defaults().withNice(-20) : WorkqueueAttrs.defaults();
    if (this.unbound) {
      this.cpuPwqs = null;
      rt.poolMutex.lock();
      try {
        installPwq(new PoolWorkqueue(this, rt.getUnboundPool(attrs)));
      } finally {
        rt.poolMutex.unlock();
      }
    } else {
      this.cpuPwqs = new PoolWorkqueue[rt.cpus];
      for (int cpu = 0; cpu < rt.cpus; cpu++) {
        PoolWorkqueue pwq = new PoolWorkqueue(this, rt.cpuPool(cpu, highpri));
        cpuPwqs[cpu] = pwq;
        pwqs.add(pwq);
      }
      nrPwqs = pwqs.size();
    }
    this.rescuer = memReclaim ? new Rescuer(this, pwqs.get(0).pool) : null;
    rt.register(this);
  }

  /** Locking: WQ or construction. */
  private void installPwq(PoolWorkqueue pwq) {
    pwq.workColor = workColor;
    pwqs.add(pwq);
    nrPwqs = pwqs.size();
    dflPwq = pwq;
  }

  int effectiveMaxActive() {
    return frozen ? 0 : maxActive;
  }

  boolean hasSeveralPwqs() {
    return nrPwqs > 1;
  }

  boolean tryIncUnboundActive(int max) {
    for (;;) {
      int n = unboundActive.get();
      if (n >= max) {
        return false;
      }
      // A: the CAS keeps the workqueue-wide count at or below max across pool locks
      if (unboundActive.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  void decUnboundActive() {
    unboundActive.decrementAndGet();
  }

  public boolean isDestroyed() {
    return (flags & (DESTROYING | DESTROYED)) != 0;
  }

  public WorkqueueAttrs attrs() {
    return attrs;
  }

  // ---- queueing (kernel __queue_work) ----

  /**
   * Queues {@code work} (kernel {@code queue_work_on}).
   *
   * <p>Returns: true if queued, false if it was already pending or is disabled. Throws
   * RejectedExecutionException if the workqueue is destroyed, or draining and the caller is not
   * one of its own items.
   */
  public boolean queueWork(int cpu, WorkItem work) {
    Objects.requireNonNull(work, "work");
    checkCpu(cpu);
    if (flags != 0) {
      checkAccepting();
    }
    if (!work.trySetPending()) {
      return false;
    }
    queueOwned(cpu, work, false);
    return true;
  }

  public int maxActive() {
    return maxActive;
  }

  /**
   * Appends to {@code out} every count that is not at rest (nothing queued, active or in flight,
   * no flusher waiting). For tests and debugging.
   */
  void checkAtRest(List<String> out) {
    mutex.lock();
    try {
      if (firstFlusher != null || !flusherQueue.isEmpty() || !flusherOverflow.isEmpty()) {
        out.add(name + ": flushers still waiting");
      }
      for (PoolWorkqueue pwq : pwqs) {
        pwq.pool.lock.lock();
        try {
          if (pwq.nrActive != 0 || pwq.totalInFlight != 0 || !pwq.inactiveWorks.isEmpty() || pwq.nrInactive != 0) {
            out.add(pwq + ": active=" + pwq.nrActive + " inFlight=" + pwq.totalInFlight + " inactive=" + pwq.nrInactive);
          }
        } finally {
          pwq.pool.lock.unlock();
        }
      }
      if (unboundActive.get() != 0) {
        out.add(name + ": unbound active count " + unboundActive.get());
      }
    } finally {
      mutex.unlock();
    }
  }

  public boolean isUnbound() {
    return unbound;
  }

  public boolean isSystem() {
    return system;
  }

  public boolean isOrdered() {
    return ordered;
  }

  public boolean isHighpri() {
    return highpri;
  }

  public boolean isMemReclaim() {
    return memReclaim;
  }

  public boolean isFreezable() {
    return freezable;
  }

  public boolean isCpuIntensive() {
    return cpuIntensive;
  }

  /** Throws IllegalArgumentException unless {@code cpu} is a slot of the runtime or CPU_LOCAL. */
  public void checkCpu(int cpu) {
    if (cpu != CPU_LOCAL && (cpu < 0 || cpu >= rt.cpus)) {
      throw new IllegalArgumentException("cpu " + cpu + " is not a CPU slot of this runtime (0.." + (rt.cpus - 1) + ")");
    }
  }

  /** Throws RejectedExecutionException when the caller may not queue here now. */
  void checkAccepting() {
    int f = flags;
    if ((f & DESTROYED) != 0 || (f & DESTROYING) != 0 && !isChainedWork()) {
      throw new RejectedExecutionException("workqueue " + name + " is destroyed");
    }
    if ((f & SHUTDOWN) != 0 && !isChainedWork()) {
      throw new RejectedExecutionException("the workqueue runtime of " + name + " is shut down");
    }
    if ((f & DRAINING) != 0 && !isChainedWork()) {
      throw new RejectedExecutionException("workqueue " + name + " is draining: only its own items may queue on it");
    }
  }

  /** Returns: whether the caller is a worker running an item of this workqueue (kernel is_chained_work). */
  boolean isChainedWork() {
    Worker w = Worker.current();
    PoolWorkqueue p = w != null ? w.currentPwq : null;
    return p != null && p.wq == this;
  }

  /**
   * Puts an item whose PENDING the caller owns on a pool workqueue.
   *
   * <p>Locking: takes one pool lock (two in sequence for a cross-pool non-reentrancy check). On
   * rejection clears PENDING and throws RejectedExecutionException.
   */
  void queueOwned(int cpu, WorkItem work, boolean fromTimer) {
    for (;;) {
      if (flags != 0 && !fromTimer) {
        try {
          checkAccepting();
        } catch (RejectedExecutionException e) {
          work.clearPending();
          throw e;
        }
      }
      PoolWorkqueue pwq = selectPwq(cpu);
      WorkerPool pool = pwq.pool;
      boolean redirected = false;
      // non-reentrancy: if the item is still running on another pool for this workqueue, queue
      // it behind that execution instead (kernel: the busy-hash redirect)
      WorkerPool last = work.lastPool;
      if (last != null && last != pool && !ordered) {
        last.lock.lock();
        Worker r = work.runner;
        if (r != null && r.currentPwq != null && r.currentPwq.wq == this) {
          pwq = r.currentPwq;
          pool = last;
          redirected = true;
        } else {
          last.lock.unlock();
          pool.lock.lock();
        }
      } else {
        pool.lock.lock();
      }
      WorkerPool.Kick kick = WorkerPool.Kick.NONE;
      boolean backlog = false;
      Thread wake = null;
      try {
        if (pwq.released) {
          work.clearPending();
          throw new RejectedExecutionException("workqueue " + name + " is destroyed");
        }
        if (pwq.retired && !redirected) {
          continue; // applyAttrs replaced it: pick the new one
        }
        if (insertWork(pwq, work)) {
          kick = pool.kickDeferred();
          wake = pool.takeToWake();
          // the first item to wait behind a running worker: the sampler must watch it closely
          backlog = kick == WorkerPool.Kick.NONE && pool.nrRunning > 0 && pool.worklist.first() == work;
        }
        Events.queue(pwq, work, cpu);
      } finally {
        pool.lock.unlock();
      }
      if (wake != null) {
        LockSupport.unpark(wake); // after unlocking: see WorkerPool.kickDeferred
      }
      if (kick == WorkerPool.Kick.NEED_WORKER) {
        pool.createWorkerAsManager();
      } else if (backlog) {
        rt.cm.noteBacklog();
      }
      return;
    }
  }

  private PoolWorkqueue selectPwq(int cpu) {
    if (cpuPwqs == null) {
      return dflPwq;
    }
    return cpuPwqs[cpu == CPU_LOCAL ? rt.localCpu() : cpu];
  }

  /**
   * Appends {@code work} to the pool worklist if an active slot is free and nothing is held back,
   * else to the inactive list (kernel {@code __queue_work}'s tail). The caller kicks the pool.
   *
   * <p>Locking: pool lock held. Returns: true if it went to the pool worklist (active).
   */
  static boolean insertWork(PoolWorkqueue pwq, WorkItem work) {
    assert pwq.pool.lock.isHeldByCurrentThread();
    int color = pwq.workColor;
    work.color = color;
    work.linked = false;
    pwq.nrInFlight[color]++;
    pwq.totalInFlight++;
    work.pwq = pwq;
    if (pwq.inactiveWorks.isEmpty() && pwq.tryIncNrActive()) {
      work.inactive = false;
      pwq.pool.worklist.addLast(work);
      return true;
    }
    work.inactive = true;
    pwq.nrInactive++;
    pwq.inactiveWorks.addLast(work);
    return false;
  }

  /**
   * The timer's batched hand-off: the pool workqueue an expired item goes to when no
   * non-reentrancy redirect can apply (it last ran on that same pool, or never), so the timer
   * may queue a run of items under one pool lock.
   *
   * <p>Returns: that pool workqueue, or null when the item needs {@link #queueOwned}.
   */
  @Nullable PoolWorkqueue pwqForBatch(int cpu, WorkItem work) {
    PoolWorkqueue pwq = selectPwq(cpu);
    WorkerPool last = work.lastPool;
    return last == null || last == pwq.pool || ordered ? pwq : null;
  }

  // ---- activation after max_active, freeze or attrs changes ----

  /**
   * Activates held-back items on every pool workqueue while slots allow (kernel
   * {@code wq_adjust_max_active}). Locking: takes WQ, then each pool lock.
   */
  void activateInactive() {
    List<PoolWorkqueue> snapshot;
    mutex.lock();
    try {
      snapshot = new ArrayList<>(pwqs);
    } finally {
      mutex.unlock();
    }
    // round-robin: one item per pool workqueue per pass, so no pool workqueue starves the others
    boolean progress = true;
    while (progress) {
      progress = false;
      for (PoolWorkqueue pwq : snapshot) {
        WorkerPool.Kick kick;
        WorkerPool pool = pwq.pool;
        pool.lock.lock();
        try {
          if (pwq.released || !pwq.activateFirstInactive()) {
            continue;
          }
          progress = true;
          kick = pool.kick();
        } finally {
          pool.lock.unlock();
        }
        if (kick == WorkerPool.Kick.NEED_WORKER) {
          pool.createWorkerAsManager();
        }
      }
    }
  }

  /**
   * Follow-up after an active item left {@code pwq} in a way that concerns other pool
   * workqueues or the runtime: unbound slots, freezing, retiring. Locking: called with no lock.
   */
  void afterPwqChange(PoolWorkqueue pwq) {
    if (unbound && hasSeveralPwqs()) {
      activateInactive();
    }
    if (frozen) {
      rt.checkFreezeDone();
    }
    if (pwq.retired) {
      maybeReleasePwq(pwq);
    }
  }

  /** Returns: whether any pool workqueue has an active item. Locking: takes each pool lock. */
  boolean isBusyActive() {
    for (PoolWorkqueue pwq : pwqsSnapshot()) {
      pwq.pool.lock.lock();
      try {
        if (pwq.nrActive > 0) {
          return true;
        }
      } finally {
        pwq.pool.lock.unlock();
      }
    }
    return false;
  }

  List<PoolWorkqueue> pwqsSnapshot() {
    mutex.lock();
    try {
      return new ArrayList<>(pwqs);
    } finally {
      mutex.unlock();
    }
  }

  // ---- max_active ----

  /** Clamps like the kernel, warning once per call when out of range. Returns: the value to use. */
  public static int clampMaxActive(int requested, String name) {
    if (requested == 0) {
      return DFL_ACTIVE;
    }
    if (requested < 1 || requested > MAX_ACTIVE) {
      int c = Math.max(1, Math.min(MAX_ACTIVE, requested));
      RuntimeCore.LOG.log(
          System.Logger.Level.WARNING,
          "cmwq: max_active " + requested + " requested for " + name + " is out of range, clamping between 1 and " + MAX_ACTIVE);
      return c;
    }
    return requested;
  }

  public void setMaxActive(int requested) {
    if (ordered) {
      throw new IllegalStateException("workqueue " + name + " is ordered: max_active is fixed at 1");
    }
    int n = clampMaxActive(requested, name);
    mutex.lock();
    try {
      maxActive = n;
    } finally {
      mutex.unlock();
    }
    activateInactive();
  }

  /** Returns: whether the CPU's pool workqueue holds items back (kernel workqueue_congested). */
  public boolean congested(int cpu) {
    checkCpu(cpu);
    PoolWorkqueue pwq = selectPwq(cpu == CPU_LOCAL ? CPU_LOCAL : cpu);
    pwq.pool.lock.lock();
    try {
      return !pwq.inactiveWorks.isEmpty();
    } finally {
      pwq.pool.lock.unlock();
    }
  }

  // ---- attributes (kernel apply_workqueue_attrs) ----

  public void applyAttrs(WorkqueueAttrs newAttrs) {
    Objects.requireNonNull(newAttrs, "attrs");
    if (!unbound) {
      throw new IllegalStateException("workqueue " + name + " is bound: applyAttrs is for unbound workqueues");
    }
    for (int c : newAttrs.cpus()) {
      checkCpu(c);
    }
    PoolWorkqueue old;
    rt.poolMutex.lock();
    try {
      mutex.lock();
      try {
        if (isDestroyed()) {
          throw new IllegalStateException("workqueue " + name + " is destroyed");
        }
        old = dflPwq;
        if (attrs.equals(newAttrs)) {
          return;
        }
        PoolWorkqueue pwq = new PoolWorkqueue(this, rt.getUnboundPool(newAttrs));
        // ordered: the new pool workqueue waits until the older ones drain, keeping FIFO
        pwq.plugged = ordered;
        installPwq(pwq);
        attrs = newAttrs;
        old.pool.lock.lock();
        try {
          old.retired = true;
        } finally {
          old.pool.lock.unlock();
        }
      } finally {
        mutex.unlock();
      }
    } finally {
      rt.poolMutex.unlock();
    }
    maybeReleasePwq(old);
  }

  /**
   * Releases a retired pool workqueue once nothing is in flight on it, and unplugs the next one
   * of an ordered workqueue (kernel pwq_release_workfn, unplug_oldest_pwq). Locking: takes PM,
   * WQ, then pool locks.
   */
  private void maybeReleasePwq(PoolWorkqueue pwq) {
    rt.poolMutex.lock();
    try {
      mutex.lock();
      try {
        WorkerPool pool = pwq.pool;
        pool.lock.lock();
        try {
          if (pwq.released || !pwq.retired || !pwq.isIdle()) {
            return;
          }
          pwq.released = true;
          foldRetired(pwq);
        } finally {
          pool.lock.unlock();
        }
        pwqs.remove(pwq);
        nrPwqs = pwqs.size();
        rt.putUnboundPool(pool);
        if (!pwqs.isEmpty() && pwqs.get(0).plugged) {
          PoolWorkqueue oldest = pwqs.get(0);
          WorkerPool.Kick kick = WorkerPool.Kick.NONE;
          oldest.pool.lock.lock();
          try {
            oldest.plugged = false;
            while (oldest.activateFirstInactive()) {
              kick = oldest.pool.kick();
            }
          } finally {
            oldest.pool.lock.unlock();
          }
          if (kick == WorkerPool.Kick.NEED_WORKER) {
            oldest.pool.createWorkerAsManager();
          }
        }
      } finally {
        mutex.unlock();
      }
    } finally {
      rt.poolMutex.unlock();
    }
  }

  // ---- flushing (kernel __flush_workqueue with flush colours) ----

  private static int nextColor(int c) {
    return (c + 1) % PoolWorkqueue.WORK_NR_COLORS;
  }

  private enum Prep {
    NO_WAIT, // nothing of the colour was in flight
    WAIT, // armed; the last pool workqueue to finish calls flushColorDone()
    DONE_NOW // armed, and everything finished before arming ended
  }

  /**
   * Arms the pool workqueues for {@code flushColor} and/or moves them to {@code workColor}
   * (kernel {@code flush_workqueue_prep_pwqs}). Locking: WQ held; takes each pool lock.
   */
  private Prep preparePwqs(int flushColor, int workColor) {
    assert mutex.isHeldByCurrentThread();
    boolean wait = false;
    if (flushColor >= 0) {
      nrPwqsToFlush.set(1); // held by us until the end, so it cannot reach 0 while arming
    }
    for (PoolWorkqueue pwq : pwqs) {
      WorkerPool pool = pwq.pool;
      pool.lock.lock();
      try {
        if (flushColor >= 0 && pwq.nrInFlight[flushColor] > 0) {
          pwq.flushColor = flushColor;
          nrPwqsToFlush.incrementAndGet();
          wait = true;
        }
        if (workColor >= 0) {
          pwq.workColor = workColor;
        }
      } finally {
        pool.lock.unlock();
      }
    }
    if (flushColor < 0) {
      return Prep.NO_WAIT;
    }
    if (nrPwqsToFlush.decrementAndGet() == 0) {
      return wait ? Prep.DONE_NOW : Prep.NO_WAIT;
    }
    return Prep.WAIT;
  }

  /**
   * Returns: a future completing when every item queued before this call has finished; items
   * queued later are not waited for, so a self-requeuing item cannot livelock it.
   */
  public CompletableFuture<Void> flushAsync() {
    Flusher me = new Flusher();
    List<Flusher> complete = new ArrayList<>(2);
    mutex.lock();
    try {
      int next = nextColor(workColor);
      if (next != flushColor) {
        me.color = workColor;
        workColor = next;
        if (firstFlusher == null) {
          firstFlusher = me;
          Prep p = preparePwqs(flushColor, workColor);
          if (p == Prep.NO_WAIT) {
            flushColor = next;
            firstFlusher = null;
            complete.add(me);
          } else if (p == Prep.DONE_NOW) {
            cascadeLocked(complete);
          }
        } else {
          flusherQueue.add(me);
          preparePwqs(-1, workColor);
        }
      } else {
        // all colours in use: wait to be given one with the other overflowed flushers
        flusherOverflow.add(me);
      }
    } finally {
      mutex.unlock();
    }
    for (Flusher f : complete) {
      f.done.complete(null);
    }
    return me.done;
  }

  /**
   * The colour the first flusher waits for has finished everywhere. Locking: called with no
   * lock (the caller dropped its pool lock); takes WQ.
   */
  void flushColorDone() {
    List<Flusher> complete = new ArrayList<>(2);
    mutex.lock();
    try {
      if (firstFlusher != null && nrPwqsToFlush.get() == 0) {
        cascadeLocked(complete);
      }
    } finally {
      mutex.unlock();
    }
    for (Flusher f : complete) {
      f.done.complete(null);
    }
  }

  /**
   * The first flusher's colour is done: complete it and the flushers sharing its colour, hand
   * colours to overflowed flushers, and arm the next colour (the kernel's first-flusher
   * cascade). Locking: WQ held.
   */
  private void cascadeLocked(List<Flusher> complete) {
    assert mutex.isHeldByCurrentThread();
    complete.add(firstFlusher);
    firstFlusher = null;
    for (;;) {
      while (!flusherQueue.isEmpty() && flusherQueue.get(0).color == flushColor) {
        complete.add(flusherQueue.remove(0));
      }
      flushColor = nextColor(flushColor);
      if (!flusherOverflow.isEmpty()) {
        for (Flusher f : flusherOverflow) {
          f.color = workColor;
        }
        workColor = nextColor(workColor);
        flusherQueue.addAll(flusherOverflow);
        flusherOverflow.clear();
        preparePwqs(-1, workColor);
      }
      if (flusherQueue.isEmpty()) {
        return;
      }
      Flusher next = flusherQueue.remove(0);
      firstFlusher = next;
      if (preparePwqs(flushColor, -1) == Prep.WAIT) {
        return;
      }
      // that colour is already done: complete it and cascade on
      complete.add(next);
      firstFlusher = null;
    }
  }

  // ---- draining and destroying ----

  /**
   * Returns: a future completing when the workqueue is empty; while it drains, only its own
   * running items may queue on it (kernel drain_workqueue).
   */
  public CompletableFuture<Void> drainAsync() {
    mutex.lock();
    try {
      if (nrDrainers++ == 0) {
        flags |= DRAINING;
      }
    } finally {
      mutex.unlock();
    }
    CompletableFuture<Void> result = new CompletableFuture<>();
    drainStep(1, result);
    return result.whenComplete(
        (v, e) -> {
          mutex.lock();
          try {
            if (--nrDrainers == 0) {
              flags &= ~DRAINING;
            }
          } finally {
            mutex.unlock();
          }
        });
  }

  private void drainStep(int tries, CompletableFuture<Void> result) {
    flushAsync()
        .whenComplete(
            (v, e) -> {
              if (e != null) {
                result.completeExceptionally(e);
              } else if (isEmpty()) {
                result.complete(null);
              } else {
                if (tries == 10 || tries % 100 == 0 && tries <= 1000) {
                  RuntimeCore.LOG.log(
                      System.Logger.Level.WARNING,
                      "cmwq: workqueue " + name + ": drain isn't complete after " + tries + " tries");
                }
                drainStep(tries + 1, result);
              }
            });
  }

  /** Returns: whether no pool workqueue has anything queued or active. Locking: takes pool locks. */
  private boolean isEmpty() {
    for (PoolWorkqueue pwq : pwqsSnapshot()) {
      pwq.pool.lock.lock();
      try {
        if (pwq.nrActive > 0 || !pwq.inactiveWorks.isEmpty()) {
          return false;
        }
      } finally {
        pwq.pool.lock.unlock();
      }
    }
    return true;
  }

  /**
   * Destroys: rejects new items, cancels armed timers aimed at it, drains, and releases its pool
   * workqueues. Returns: a future completing when destroyed.
   */
  public CompletableFuture<Void> destroyAsync() {
    if (system) {
      throw new IllegalStateException("workqueue " + name + " is a system workqueue and cannot be destroyed");
    }
    mutex.lock();
    try {
      if ((flags & DESTROYING) != 0) {
        return destroyed;
      }
      flags |= DESTROYING;
    } finally {
      mutex.unlock();
    }
    rt.timer.cancelFor(this);
    drainAsync()
        .whenComplete(
            (v, e) -> {
              finishDestroy();
              if (e != null) {
                destroyed.completeExceptionally(e);
              } else {
                destroyed.complete(null);
              }
            });
    return destroyed;
  }

  private final CompletableFuture<Void> destroyed = new CompletableFuture<>();

  private void finishDestroy() {
    if (rescuer != null) {
      rescuer.stop();
    }
    rt.poolMutex.lock();
    try {
      mutex.lock();
      try {
        flags |= DESTROYED;
        for (PoolWorkqueue pwq : pwqs) {
          pwq.pool.lock.lock();
          try {
            pwq.released = true;
            foldRetired(pwq);
          } finally {
            pwq.pool.lock.unlock();
          }
          if (unbound) {
            rt.putUnboundPool(pwq.pool);
          }
        }
        pwqs.clear();
        nrPwqs = 0;
      } finally {
        mutex.unlock();
      }
    } finally {
      rt.poolMutex.unlock();
    }
    rt.unregister(this);
  }

  /** The runtime shuts down: reject from now on, as if destroyed, but let queued items run. */
  void markShutdown() {
    mutex.lock();
    try {
      flags |= SHUTDOWN;
    } finally {
      mutex.unlock();
    }
    if (rescuer != null) {
      rescuer.stop();
    }
  }

  /** Throws IllegalStateException if the caller runs an item of this workqueue (waiting would deadlock). */
  public void checkNotFromInside(String what) {
    if (isChainedWork()) {
      throw new IllegalStateException(what + " of workqueue " + name + " from one of its own items would wait for itself");
    }
  }

  // ---- stats ----

  /**
   * Returns: {started, completed, failed, cpuTimeNanos, cpuIntensive, cmWakeups, mayday, rescued,
   * inactive, active} summed over the pool workqueues.
   */
  public long[] rawStats() {
    long[] s = new long[10];
    for (PoolWorkqueue pwq : pwqsSnapshot()) {
      pwq.pool.lock.lock();
      try {
        s[0] += pwq.started;
        s[1] += pwq.completed;
        s[2] += pwq.failed;
        s[3] += pwq.cpuTimeNanos;
        s[4] += pwq.cpuIntensive;
        s[5] += pwq.cmWakeups;
        s[6] += pwq.mayday;
        s[7] += pwq.rescued;
        s[8] += pwq.nrInactive;
        s[9] += pwq.nrActive;
      } finally {
        pwq.pool.lock.unlock();
      }
    }
    retiredStats(s);
    return s;
  }

  // counters of released pool workqueues, so totals never go backwards. WQ.
  private final long[] retired = new long[8];

  /** Locking: WQ and the pool lock held. */
  private void foldRetired(PoolWorkqueue pwq) {
    retired[0] += pwq.started;
    retired[1] += pwq.completed;
    retired[2] += pwq.failed;
    retired[3] += pwq.cpuTimeNanos;
    retired[4] += pwq.cpuIntensive;
    retired[5] += pwq.cmWakeups;
    retired[6] += pwq.mayday;
    retired[7] += pwq.rescued;
  }

  private void retiredStats(long[] s) {
    mutex.lock();
    try {
      for (int i = 0; i < retired.length; i++) {
        s[i] += retired[i];
      }
    } finally {
      mutex.unlock();
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
