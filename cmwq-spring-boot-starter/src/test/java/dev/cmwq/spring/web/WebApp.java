package dev.cmwq.spring.web;

import java.lang.reflect.Method;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * A WebFlux application with the starter: a blocking controller method (it returns a plain
 * value, so WebFlux runs it through blocking execution) and a reactive one that hops onto the
 * {@code io} workqueue's scheduler. Both answer with the thread they ran on.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({WebApp.ThreadController.class, WebApp.SlowController.class})
public class WebApp {

  /** The thread-name prefix the tests give the runtime. */
  public static final String PREFIX = "cmwq-web/";

  /** Returns: "{@code <thread name>|virtual}" or "{@code <thread name>|platform}". */
  static String describeThread() {
    Thread t = Thread.currentThread();
    return t.getName() + "|" + (isVirtual(t) ? "virtual" : "platform");
  }

  /** Returns: {@code Thread.isVirtual()} on Java 21+, false before (the tests run on 17 too). */
  static boolean isVirtual(Thread t) {
    try {
      Method m = Thread.class.getMethod("isVirtual");
      return (Boolean) m.invoke(t);
    } catch (NoSuchMethodException e) {
      return false;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  @RestController
  static class ThreadController {
    private final Scheduler io;

    ThreadController(@Qualifier("io") Scheduler io) {
      this.io = io;
    }

    /** Blocking: a plain return value. */
    @GetMapping("/blocking")
    String blocking() {
      return describeThread();
    }

    /** Reactive: the work hops onto the io workqueue's scheduler. */
    @GetMapping("/reactive")
    Mono<String> reactive() {
      return Mono.fromCallable(WebApp::describeThread).subscribeOn(io);
    }
  }

  /** A blocking endpoint that holds its request until a test releases it. */
  @RestController
  static class SlowController {
    /** Counted down when a request to /slow is being handled. */
    static volatile CountDownLatch entered = new CountDownLatch(1);

    /** Opened by the test to let /slow answer. */
    static volatile CountDownLatch release = new CountDownLatch(1);

    @GetMapping("/slow")
    String slow() throws InterruptedException {
      entered.countDown();
      if (!release.await(20, TimeUnit.SECONDS)) {
        return "timed out";
      }
      return "done " + describeThread() + (Thread.currentThread().isInterrupted() ? " interrupted" : "");
    }
  }
}
