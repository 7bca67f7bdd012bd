/**
 * cmwq: the Linux kernel's Concurrency Managed Workqueue on the JVM.
 *
 * <p>A {@link dev.cmwq.Workqueue} takes {@link dev.cmwq.Work} items and runs them on worker
 * threads shared through pools of a {@link dev.cmwq.WorkqueueRuntime}. Bound workqueues run
 * items on per-CPU pools that keep exactly one worker running per CPU and start another only
 * when the running one blocks; unbound workqueues give every active item a worker; ordered
 * workqueues run one item at a time in queueing order. {@link dev.cmwq.Workqueues} holds the
 * static conveniences on the global runtime.
 *
 * <p>Every type here is thread-safe unless its documentation says otherwise.
 */
@NullMarked
package dev.cmwq;

import org.jspecify.annotations.NullMarked;
