package dev.cmwq;

import dev.cmwq.internal.WorkItem;
import dev.cmwq.internal.WorkOps;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import org.jspecify.annotations.Nullable;

/**
 * Static conveniences on the {@link WorkqueueRuntime#global() global runtime}, and the calls a
 * work item makes about itself. Thread-safe.
 */
public final class Workqueues {

  private Workqueues() {}

  /** Returns: the global runtime's {@code events} workqueue. */
  public static Workqueue systemWq() {
    return WorkqueueRuntime.global().systemWq();
  }

  /** Returns: the global runtime's {@code events_highpri} workqueue. */
  public static Workqueue systemHighpriWq() {
    return WorkqueueRuntime.global().systemHighpriWq();
  }

  /** Returns: the global runtime's {@code events_long} workqueue. */
  public static Workqueue systemLongWq() {
    return WorkqueueRuntime.global().systemLongWq();
  }

  /** Returns: the global runtime's {@code events_unbound} workqueue. */
  public static Workqueue systemUnboundWq() {
    return WorkqueueRuntime.global().systemUnboundWq();
  }

  /** Returns: the work item the calling worker thread is running, or null on any other thread. */
  public static @Nullable Work currentWork() {
    WorkItem w = WorkOps.currentWork();
    return w instanceof Work ? (Work) w : null;
  }

  /**
   * Runs {@code call} as declared blocking: on a bound worker, the worker leaves concurrency
   * management while it runs, so another worker takes the CPU slot's next item at once (kernel
   * {@code wq_worker_sleeping}); when it returns the worker counts as running again. On any other
   * thread it just calls {@code call}.
   *
   * @return what {@code call} returns
   * @throws Exception what {@code call} throws
   */
  public static <T> T blocking(Callable<T> call) throws Exception {
    Objects.requireNonNull(call, "call");
    WorkOps.blockingBegin();
    try {
      return call.call();
    } finally {
      WorkOps.blockingEnd();
    }
  }

  /**
   * {@link ForkJoinPool#managedBlock} for cmwq workers: declared blocking (see
   * {@link #blocking}) while {@code blocker} blocks. Works on any thread.
   */
  public static void managedBlock(ForkJoinPool.ManagedBlocker blocker) throws InterruptedException {
    Objects.requireNonNull(blocker, "blocker");
    if (blocker.isReleasable()) {
      return;
    }
    WorkOps.blockingBegin();
    try {
      ForkJoinPool.managedBlock(blocker);
    } finally {
      WorkOps.blockingEnd();
    }
  }

  /**
   * Runs {@code fn} on CPU slot {@code cpu}'s pool through the global {@code events} workqueue
   * and waits for it (kernel {@code work_on_cpu}).
   *
   * @return what {@code fn} returns
   * @throws Exception what {@code fn} throws
   * @throws IllegalArgumentException if {@code cpu} is not a slot of the global runtime
   */
  public static <T> T workOnCpu(int cpu, Callable<T> fn) throws Exception {
    return workOnCpu(WorkqueueRuntime.global(), cpu, fn);
  }

  /** As {@link #workOnCpu(int, Callable)}, on {@code runtime}'s {@code events} workqueue. */
  public static <T> T workOnCpu(WorkqueueRuntime runtime, int cpu, Callable<T> fn) throws Exception {
    Objects.requireNonNull(fn, "fn");
    CompletableFuture<T> result = new CompletableFuture<>();
    Work w =
        Work.of(
            () -> {
              try {
                result.complete(fn.call());
              } catch (Throwable t) {
                result.completeExceptionally(t);
              }
            });
    runtime.systemWq().queueWorkOn(cpu, w);
    WorkOps.awaitDone(result);
    try {
      return result.get();
    } catch (ExecutionException e) {
      throw rethrow(e.getCause());
    }
  }

  private static Exception rethrow(@Nullable Throwable t) {
    if (t instanceof Error) {
      throw (Error) t;
    }
    if (t instanceof Exception) {
      return (Exception) t;
    }
    return new IllegalStateException(t);
  }

  /**
   * Runs {@code fn} once on every CPU slot of the global runtime and waits for all (kernel
   * {@code schedule_on_each_cpu}). What {@code fn} throws goes to the workers' handlers.
   */
  public static void scheduleOnEachCpu(Runnable fn) throws InterruptedException {
    scheduleOnEachCpu(WorkqueueRuntime.global(), fn);
  }

  /** As {@link #scheduleOnEachCpu(Runnable)}, on {@code runtime}. */
  public static void scheduleOnEachCpu(WorkqueueRuntime runtime, Runnable fn) throws InterruptedException {
    Objects.requireNonNull(fn, "fn");
    List<Work> works = new ArrayList<>(runtime.cpus());
    for (int cpu = 0; cpu < runtime.cpus(); cpu++) {
      Work w = Work.of(fn);
      works.add(w);
      runtime.systemWq().queueWorkOn(cpu, w);
    }
    for (Work w : works) {
      w.flush();
    }
  }

  /**
   * Runs {@code fn} now if the calling thread may block, else queues it on the global
   * {@code events} workqueue (kernel {@code execute_in_process_context}). Threads that must not
   * block are the non-blocking threads of Reactor ({@code reactor.core.scheduler.NonBlocking})
   * and RxJava ({@code NonBlockingThread}); cmwq's own workers may block.
   *
   * @return true if it ran now; false if it was queued
   */
  public static boolean executeInProcessContext(Runnable fn) {
    Objects.requireNonNull(fn, "fn");
    if (!isNonBlockingThread(Thread.currentThread())) {
      fn.run();
      return true;
    }
    systemWq().queueWork(Work.of(fn));
    return false;
  }

  private static final List<String> NON_BLOCKING_MARKERS =
      List.of("reactor.core.scheduler.NonBlocking", "io.reactivex.rxjava3.internal.schedulers.NonBlockingThread");

  static boolean isNonBlockingThread(Thread t) {
    for (Class<?> c = t.getClass(); c != null && c != Thread.class; c = c.getSuperclass()) {
      for (Class<?> i : c.getInterfaces()) {
        if (NON_BLOCKING_MARKERS.contains(i.getName())) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Describes what the calling worker does, for dumps (kernel {@code set_worker_desc}); at most
   * 32 characters are kept. No-op on threads that are not cmwq workers.
   */
  public static void setWorkerDesc(String desc) {
    Objects.requireNonNull(desc, "desc");
    WorkOps.setWorkerDesc(desc.length() > 32 ? desc.substring(0, 32) : desc);
  }
}
