/**
 * The workqueue engine. Not API: this package is not exported by the module.
 *
 * <p>The names follow {@code kernel/workqueue.c} so that the kernel stays a usable reference:
 * {@link dev.cmwq.internal.WorkqueueStruct} ({@code workqueue_struct}),
 * {@link dev.cmwq.internal.PoolWorkqueue} ({@code pool_workqueue}),
 * {@link dev.cmwq.internal.WorkerPool} ({@code worker_pool}), {@link dev.cmwq.internal.Worker}
 * ({@code worker}), {@link dev.cmwq.internal.WorkItem} ({@code work_struct}).
 *
 * <h2>Exclusion rules</h2>
 *
 * Every mutable field carries one of these tags, as in the kernel's legend:
 *
 * <ul>
 *   <li><b>I</b>: set during initialisation, read-only afterwards (final where Java allows).
 *   <li><b>L</b>: {@code pool.lock}, the {@link java.util.concurrent.locks.ReentrantLock} (a
 *       {@link dev.cmwq.internal.PoolLock}, which spins briefly before it parks) of the
 *       {@link dev.cmwq.internal.WorkerPool} the object belongs to. For a work item that is
 *       queued, the pool of its {@code pwq}; for the execution fields, its {@code lastPool}.
 *   <li><b>WQ</b>: {@code wq.mutex}, one per workqueue: flush colours, drainers, the list of
 *       pool workqueues.
 *   <li><b>PM</b>: {@code runtime.poolMutex}: the unbound pool table and the workqueue list.
 *   <li><b>T</b>: the timer lock of the runtime's {@link dev.cmwq.internal.TimerBase}.
 *   <li><b>A</b>: atomic; accessed through a {@link java.lang.invoke.VarHandle} or an atomic
 *       class, each access with its happens-before reason next to it.
 *   <li><b>W</b>: written only by the worker's own thread (read elsewhere only as a hint).
 *   <li><b>P</b>: owned by whoever owns the work item's PENDING bit.
 *   <li><b>S</b>: owned by the runtime's sampler thread ({@link dev.cmwq.internal.ConcurrencyManager});
 *       nobody else reads or writes it.
 *   <li><b>MD</b>: the monitor of a {@link dev.cmwq.internal.Rescuer} (the kernel's
 *       {@code wq_mayday_lock}); nests inside a pool lock.
 * </ul>
 *
 * <p>Lock order: {@code PM → WQ → L → MD}; {@code T} is only taken with no other lock held. A
 * pool lock is never taken while another pool's lock is held. User code never runs with any
 * of these locks held, and never on the timer thread.
 *
 * <h2>Access-mode prefixes</h2>
 *
 * {@code lv}: load volatile; {@code lo}: load opaque (a racy read that is verified under a
 * lock afterwards); {@code so}: store ordered (release); {@code cas}: compare-and-set.
 */
@NullMarked
package dev.cmwq.internal;

import org.jspecify.annotations.NullMarked;
