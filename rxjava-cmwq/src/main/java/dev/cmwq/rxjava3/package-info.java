/**
 * cmwq workqueues as RxJava 3 {@link io.reactivex.rxjava3.core.Scheduler}s.
 *
 * <p>{@link dev.cmwq.rxjava3.CmwqSchedulers} makes the schedulers (over any workqueue, or the
 * bound, highpri, unbound and ordered variants) and installs them behind
 * {@code Schedulers.computation()}, {@code io()}, {@code single()} and {@code newThread()} through
 * {@code RxJavaPlugins}. {@link dev.cmwq.rxjava3.CmwqTestScheduler} drives delayed work on a
 * runtime with a manual clock, in the manner of RxJava's {@code TestScheduler}.
 *
 * <h2>How the RxJava contract maps onto the workqueue</h2>
 *
 * <ul>
 *   <li>A direct task ({@code scheduleDirect}) is one {@link dev.cmwq.DelayedWork} queued on the
 *       workqueue, or armed on the runtime's timer wheel when it has a delay (never early).
 *   <li>A {@code Worker} is a <em>strand</em>: one work item that owns the worker's FIFO queue
 *       of tasks and runs them one after another. The kernel's non-reentrancy guarantee (a work
 *       item never runs concurrently with itself) is what makes the worker's tasks run in order
 *       and never overlap.
 *   <li>Every user task goes through {@code RxJavaPlugins.onSchedule} first; what a task throws
 *       goes to {@code RxJavaPlugins.onError}.
 * </ul>
 *
 * <p>Every type here is thread-safe unless its documentation says otherwise.
 */
@NullMarked
package dev.cmwq.rxjava3;

import org.jspecify.annotations.NullMarked;
