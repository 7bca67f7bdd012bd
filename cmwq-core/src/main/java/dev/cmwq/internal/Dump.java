package dev.cmwq.internal;

import java.util.concurrent.TimeUnit;

/**
 * The runtime's state as text, in the spirit of the kernel's {@code show_all_workqueues} and
 * {@code wq_dump.py}: pools with their workers and what each runs, then workqueues with their
 * pool workqueues' active, inactive and in-flight counts, then rescuers.
 */
final class Dump {

  private Dump() {}

  /** What a worker is doing, as the dump and the worker counts say it. */
  enum WorkerState {
    IDLE,
    RUNNING,
    BLOCKED
  }

  /** Locking: the worker's pool lock held. */
  static WorkerState stateOf(Worker w) {
    if ((w.flags & Worker.IDLE) != 0 || w.currentWork == null) {
      return WorkerState.IDLE;
    }
    return w.sleeping || w.autoSleep ? WorkerState.BLOCKED : WorkerState.RUNNING;
  }

  static String of(RuntimeCore rt) {
    StringBuilder sb = new StringBuilder(1024);
    long now = RuntimeCore.engineNow();
    sb.append("Worker Pools:\n");
    for (WorkerPool p : rt.poolArray()) {
      p.lock.lock();
      try {
        if (p.nrWorkers == 0 && p.worklist.isEmpty()) {
          continue;
        }
        int pending = 0;
        for (WorkItem w = p.worklist.first(); w != null; w = p.worklist.nextOf(w)) {
          pending++;
        }
        sb.append("  pool ").append(p.id).append(": ").append(p.describe())
            .append(" nice=").append(p.attrs != null ? p.attrs.nice() : p.highpri ? -20 : 0)
            .append(" workers=").append(p.nrWorkers).append(" idle=").append(p.nrIdle)
            .append(" nr_running=").append(p.nrRunning).append(" pending=").append(pending);
        if (p.wdSince != 0 && pending > 0) {
          sb.append(" hung=").append(TimeUnit.NANOSECONDS.toSeconds(now - p.wdSince)).append('s');
        }
        if (p.starvingSince != 0) {
          sb.append(" starving=").append(TimeUnit.NANOSECONDS.toMillis(now - p.starvingSince)).append("ms");
        }
        if (p.managerActive) {
          sb.append(" manager-active");
        }
        sb.append('\n');
        for (Worker w : p.workers) {
          worker(sb.append("    "), w);
        }
      } finally {
        p.lock.unlock();
      }
    }
    sb.append("Workqueues:\n");
    for (WorkqueueStruct wq : rt.workqueues()) {
      sb.append("  workqueue ").append(wq.name).append(": ")
          .append(wq.ordered ? "ordered" : wq.unbound ? "unbound" : "percpu")
          .append(wq.highpri ? ",highpri" : "").append(wq.cpuIntensive ? ",cpu_intensive" : "")
          .append(wq.memReclaim ? ",mem_reclaim" : "").append(wq.freezable ? ",freezable" : "")
          .append(" max_active=").append(wq.maxActive)
          .append(wq.frozen ? " FROZEN" : "").append(wq.isDestroyed() ? " DESTROYING" : "").append('\n');
      for (PoolWorkqueue pwq : wq.pwqsSnapshot()) {
        pwq.pool.lock.lock();
        try {
          if (pwq.totalInFlight == 0) {
            continue;
          }
          sb.append("    pwq ").append(pwq.pool.id).append(": active=").append(pwq.nrActive)
              .append(" inactive=").append(pwq.nrInactive).append(" in-flight=").append(pwq.totalInFlight)
              .append(pwq.plugged ? " plugged" : "").append(pwq.maydayQueued ? " MAYDAY" : "").append('\n');
          StringBuilder running = new StringBuilder();
          for (Worker w : pwq.pool.workers) {
            if (w.currentPwq == pwq && w.currentWork != null) {
              running.append(' ').append(w).append(':').append(w.currentWork.functionName());
            }
          }
          if (running.length() > 0) {
            sb.append("      in-flight:").append(running).append('\n');
          }
        } finally {
          pwq.pool.lock.unlock();
        }
      }
    }
    boolean header = false;
    for (WorkqueueStruct wq : rt.rescuedWorkqueues()) {
      Rescuer r = wq.rescuer;
      if (r == null) {
        continue;
      }
      if (!header) {
        sb.append("Rescuers:\n");
        header = true;
      }
      sb.append("  ").append(r).append(r.thread.isAlive() ? "" : " (exited)").append('\n');
    }
    return sb.toString();
  }

  /** Locking: the worker's pool lock held. */
  private static void worker(StringBuilder sb, Worker w) {
    WorkerState st = stateOf(w);
    sb.append(w).append(' ').append(st.name().toLowerCase(java.util.Locale.ROOT));
    if (st == WorkerState.BLOCKED) {
      sb.append(w.sleeping ? " (declared)" : " (detected)");
    }
    if ((w.flags & Worker.CPU_INTENSIVE) != 0) {
      sb.append(" cpu-intensive");
    }
    WorkItem c = w.currentWork;
    PoolWorkqueue pwq = w.currentPwq;
    if (c != null && pwq != null) {
      sb.append(" workqueue=").append(pwq.wq.name).append(" fn=").append(c.functionName());
    }
    String d = w.desc;
    String last = w.lastDesc;
    if (d != null) {
      sb.append(" +").append(d);
    } else if (last != null) {
      sb.append(" -").append(last);
    }
    sb.append('\n');
  }
}
