package dev.cmwq.spring;

import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.core.task.TaskDecorator;
import org.springframework.core.task.TaskRejectedException;

/**
 * A Spring {@link AsyncTaskExecutor} whose tasks are work items on a cmwq {@link Workqueue}: each
 * {@link #execute(Runnable)} queues one new work item, run by the workqueue's pools on platform
 * worker threads. The workqueue's flags decide the rest: on a bound workqueue a task that blocks
 * lets another worker take the CPU slot; {@code maxActive} holds tasks back instead of rejecting
 * them.
 *
 * <p>Tasks are not ordered among themselves unless the workqueue is ordered. What a task throws
 * goes to the runtime's uncaught-exception handler; the worker lives on. Once the workqueue is
 * destroyed, or while it drains, {@code execute} throws {@link TaskRejectedException}. The
 * executor owns nothing: it never destroys the workqueue. Thread-safe.
 */
// intended: types of optional modules (WebFlux, actuator, health, JSpecify) and package-private
// helpers named in annotations appear in this class's signature
@SuppressWarnings("exports")
public final class WorkqueueTaskExecutor implements AsyncTaskExecutor {

  private final Workqueue workqueue;
  private final @Nullable TaskDecorator taskDecorator;

  /** An executor over {@code workqueue}. */
  public WorkqueueTaskExecutor(Workqueue workqueue) {
    this(workqueue, null);
  }

  /**
   * An executor over {@code workqueue} that wraps every task with {@code taskDecorator} (context
   * propagation, MDC), when not null.
   */
  public WorkqueueTaskExecutor(Workqueue workqueue, @Nullable TaskDecorator taskDecorator) {
    this.workqueue = Objects.requireNonNull(workqueue, "workqueue");
    this.taskDecorator = taskDecorator;
  }

  /** Returns: the workqueue tasks are queued on. */
  public Workqueue workqueue() {
    return workqueue;
  }

  /**
   * Queues {@code task} as a new work item.
   *
   * @throws TaskRejectedException if the workqueue is destroyed or draining
   * @throws NullPointerException if {@code task} is null
   */
  @Override
  public void execute(Runnable task) {
    Objects.requireNonNull(task, "task");
    Runnable run = taskDecorator != null ? taskDecorator.decorate(task) : task;
    try {
      workqueue.queueWork(Work.of(run)); // a new item is never pending: always queued
    } catch (RejectedExecutionException e) {
      throw new TaskRejectedException("workqueue " + workqueue.name() + " did not accept a task", e);
    }
  }

  @Override
  public String toString() {
    return "WorkqueueTaskExecutor{" + workqueue + "}";
  }
}
