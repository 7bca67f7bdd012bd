/**
 * cmwq as Project Reactor {@link reactor.core.scheduler.Scheduler}s.
 *
 * <p>{@link dev.cmwq.reactor.CmwqSchedulers} makes a {@link dev.cmwq.reactor.WorkqueueScheduler}
 * out of any {@link dev.cmwq.Workqueue} (bound, highpri, unbound, ordered) and can install cmwq
 * as Reactor's default {@code Schedulers.parallel()/boundedElastic()/single()}.
 * {@link dev.cmwq.reactor.CmwqVirtualTime} (needs {@code reactor-test}) drives delayed work on a
 * cmwq scheduler from {@code StepVerifier.withVirtualTime}.
 *
 * <p>Every type here is thread-safe unless its documentation says otherwise.
 */
@NullMarked
package dev.cmwq.reactor;

import org.jspecify.annotations.NullMarked;
