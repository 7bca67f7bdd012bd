package dev.cmwq.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.Recording;
import jdk.jfr.RecordingState;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;
import org.jspecify.annotations.Nullable;

/**
 * JFR events mirroring the kernel's workqueue tracepoints ({@code workqueue_queue_work},
 * {@code workqueue_activate_work}, {@code workqueue_execute_start/end}) plus mayday,
 * CPU-intensive and a periodic pool statistics event.
 *
 * <p>Cheap when no recording runs: every hook first reads {@link #recording}, a volatile flag a
 * {@link FlightRecorderListener} keeps up to date, and builds nothing when it is false.
 */
final class Events {

  private Events() {}

  /** True while any JFR recording is running; written by the listener below. */
  static volatile boolean recording;

  static {
    try {
      // cheap: does not start JFR. The periodic event is registered only once JFR initialises,
      // because registering it costs hundreds of milliseconds.
      FlightRecorder.addListener(
          new FlightRecorderListener() {
            @Override
            public void recorderInitialized(FlightRecorder recorder) {
              FlightRecorder.addPeriodicEvent(PoolStatistics.class, RuntimeCore::emitPoolStatistics);
            }

            @Override
            public void recordingStateChanged(Recording r) {
              boolean any = r.getState() == RecordingState.RUNNING;
              for (Recording x : FlightRecorder.getFlightRecorder().getRecordings()) {
                any |= x.getState() == RecordingState.RUNNING;
              }
              recording = any;
            }
          });
      // recordings already running (-XX:StartFlightRecording) get no state-change callback
      if (FlightRecorder.isInitialized()) {
        boolean any = false;
        for (Recording x : FlightRecorder.getFlightRecorder().getRecordings()) {
          any |= x.getState() == RecordingState.RUNNING;
        }
        recording = any;
      }
    } catch (RuntimeException | Error e) {
      recording = false; // no JFR in this JVM: the hooks stay off
    }
  }

  /** Loads this class (and so registers the listener) ahead of the first queueing. */
  static void init() {}

  static void queue(PoolWorkqueue pwq, WorkItem w, int reqCpu) {
    if (!recording) {
      return;
    }
    QueueWork e = new QueueWork();
    if (e.shouldCommit()) {
      e.workqueue = pwq.wq.name;
      e.function = w.functionName();
      e.reqCpu = reqCpu;
      e.cpu = pwq.pool.cpu;
      e.commit();
    }
  }

  static void activate(PoolWorkqueue pwq, WorkItem w) {
    if (!recording) {
      return;
    }
    ActivateWork e = new ActivateWork();
    if (e.shouldCommit()) {
      e.workqueue = pwq.wq.name;
      e.function = w.functionName();
      e.commit();
    }
  }

  /** Returns: an execute event begun now, or null when no recording runs. */
  static @Nullable ExecuteWork executeStart() {
    if (!recording) {
      return null;
    }
    ExecuteWork e = new ExecuteWork();
    e.begin();
    return e;
  }

  static void executeEnd(@Nullable ExecuteWork e, PoolWorkqueue pwq, WorkItem w, @Nullable Throwable failure) {
    if (e == null) {
      return;
    }
    e.end();
    if (e.shouldCommit()) {
      e.workqueue = pwq.wq.name;
      e.function = w.functionName();
      e.failed = failure != null;
      e.commit();
    }
  }

  static void mayday(PoolWorkqueue pwq) {
    if (!recording) {
      return;
    }
    Mayday e = new Mayday();
    if (e.shouldCommit()) {
      e.workqueue = pwq.wq.name;
      e.pool = pwq.pool.id;
      e.commit();
    }
  }

  static void cpuIntensive(@Nullable PoolWorkqueue pwq, Worker w) {
    if (!recording || pwq == null) {
      return;
    }
    CpuIntensive e = new CpuIntensive();
    if (e.shouldCommit()) {
      e.workqueue = pwq.wq.name;
      WorkItem c = w.currentWork;
      e.function = c != null ? c.functionName() : "?";
      e.worker = w.toString();
      e.commit();
    }
  }

  @Name("dev.cmwq.QueueWork")
  @Label("Queue Work")
  @Category({"cmwq", "Workqueue"})
  @Description("A work item was queued on a pool workqueue (kernel workqueue_queue_work)")
  @StackTrace(false)
  static final class QueueWork extends Event {
    @Label("Workqueue") String workqueue;
    @Label("Function") String function;
    @Label("Requested CPU") int reqCpu;
    @Label("CPU") int cpu;
  }

  @Name("dev.cmwq.ActivateWork")
  @Label("Activate Work")
  @Category({"cmwq", "Workqueue"})
  @Description("A held-back work item became active (kernel workqueue_activate_work)")
  @StackTrace(false)
  static final class ActivateWork extends Event {
    @Label("Workqueue") String workqueue;
    @Label("Function") String function;
  }

  @Name("dev.cmwq.ExecuteWork")
  @Label("Execute Work")
  @Category({"cmwq", "Workqueue"})
  @Description("A work item ran (kernel workqueue_execute_start/end)")
  @Threshold("1 ms")
  @StackTrace(false)
  static final class ExecuteWork extends Event {
    @Label("Workqueue") String workqueue;
    @Label("Function") String function;
    @Label("Failed") boolean failed;
  }

  @Name("dev.cmwq.Mayday")
  @Label("Mayday")
  @Category({"cmwq", "Workqueue"})
  @Description("A pool that cannot get a worker asked a workqueue's rescuer for help")
  @StackTrace(false)
  static final class Mayday extends Event {
    @Label("Workqueue") String workqueue;
    @Label("Pool") int pool;
  }

  @Name("dev.cmwq.CpuIntensive")
  @Label("CPU Intensive")
  @Category({"cmwq", "Workqueue"})
  @Description("A work item ran past the CPU-intensive threshold and left concurrency management")
  @StackTrace(false)
  static final class CpuIntensive extends Event {
    @Label("Workqueue") String workqueue;
    @Label("Function") String function;
    @Label("Worker") String worker;
  }

  @Name("dev.cmwq.PoolStatistics")
  @Label("Pool Statistics")
  @Category({"cmwq", "Workqueue"})
  @Description("Workers and pending work of one worker pool")
  @Period("1 s")
  @StackTrace(false)
  static final class PoolStatistics extends Event {
    @Label("Pool") String pool;
    @Label("Workers") int workers;
    @Label("Idle") int idle;
    @Label("Running") int running;
    @Label("Pending") boolean pending;
  }
}
