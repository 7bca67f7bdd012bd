package dev.cmwq.samples.webflux;

import java.time.Duration;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Reactive handlers: they return a {@code Mono} or {@code Flux}, so WebFlux subscribes to them on
 * the event loop and they move their own work off it, onto the Reactor scheduler the starter
 * makes for {@code cmwq.workqueues.compute} (the bean {@code computeScheduler}, qualifier
 * {@code compute}). CPU work runs there as work items; delays are timers on the runtime's timer
 * wheel, whose expiry queues the next step on the same workqueue.
 */
@RestController
public class PrimeController {

  /** The largest {@code below} accepted by {@code /primes}. */
  static final int MAX_BELOW = 10_000_000;

  /** The largest {@code from} accepted by {@code /countdown}. */
  static final int MAX_FROM = 20;

  private final Scheduler compute; // I

  PrimeController(@Qualifier("compute") Scheduler compute) {
    this.compute = compute;
  }

  /** Returns: how many primes there are below {@code below}, counted on a compute worker. */
  @GetMapping("/primes")
  public Mono<Primes> primes(@RequestParam(defaultValue = "100000") int below) {
    if (below < 2 || below > MAX_BELOW) {
      return Mono.error(new ResponseStatusException(HttpStatus.BAD_REQUEST, "below must be in 2.." + MAX_BELOW));
    }
    return Mono.fromCallable(() -> sieve(below)).subscribeOn(compute);
  }

  /**
   * Returns: {@code from}, {@code from - 1}, ... 0, one every {@code everyMs} milliseconds, each
   * with the compute worker that handed it on; as a JSON array, or as server-sent events when
   * asked for {@code text/event-stream}.
   */
  @GetMapping(value = "/countdown", produces = {MediaType.APPLICATION_JSON_VALUE, MediaType.TEXT_EVENT_STREAM_VALUE})
  public Flux<Tick> countdown(
      @RequestParam(defaultValue = "3") int from, @RequestParam(defaultValue = "200") long everyMs) {
    if (from < 0 || from > MAX_FROM || everyMs < 0 || everyMs > 1000) {
      return Flux.error(
          new ResponseStatusException(HttpStatus.BAD_REQUEST, "from must be in 0.." + MAX_FROM + ", everyMs in 0..1000"));
    }
    return Flux.range(0, from + 1)
        .delayElements(Duration.ofMillis(everyMs), compute)
        // the event loop asks for the next tick after it has written one: a tick whose timer fired
        // before that request would be handed on by the event loop; publishOn hands every tick on
        // from a compute worker instead
        .publishOn(compute)
        .map(i -> new Tick(from - i, Thread.currentThread().getName()));
  }

  /** Returns: the primes below {@code below} by the sieve of Eratosthenes, and who counted them. */
  static Primes sieve(int below) {
    boolean[] composite = new boolean[below];
    int count = 0;
    int largest = 0;
    for (int n = 2; n < below; n++) {
      if (!composite[n]) {
        count++;
        largest = n;
        for (long m = (long) n * n; m < below; m += n) {
          composite[(int) m] = true;
        }
      }
    }
    return new Primes(below, count, largest, Thread.currentThread().getName());
  }

  /**
   * The answer of {@code GET /primes}.
   *
   * @param below the bound asked for
   * @param count how many primes are below it
   * @param largest the largest of them
   * @param thread the thread that counted them
   */
  public record Primes(int below, int count, int largest, String thread) {}

  /**
   * One element of {@code GET /countdown}.
   *
   * @param n the number counted down to
   * @param thread the thread that emitted it
   */
  public record Tick(int n, String thread) {}
}
