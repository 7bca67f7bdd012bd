/**
 * cmwq meters for Micrometer.
 *
 * <p>{@link dev.cmwq.micrometer.WorkqueueMetrics} is a {@code MeterBinder} for one
 * {@link dev.cmwq.WorkqueueRuntime}: the kernel's {@code wq_monitor} columns per workqueue
 * ({@code workqueue.*}, tags {@code name}, {@code type}, {@code highpri}), the runtime's workers by
 * state, and the {@code executor.*} names of Micrometer's {@code ExecutorServiceMetrics} where
 * they mean the same, so existing executor dashboards show workqueues too.
 *
 * <p>Every type here is thread-safe unless its documentation says otherwise.
 */
@NullMarked
package dev.cmwq.micrometer;

import org.jspecify.annotations.NullMarked;
