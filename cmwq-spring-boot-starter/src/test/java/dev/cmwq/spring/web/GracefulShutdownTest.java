package dev.cmwq.spring.web;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Closing the application while a blocking request is in flight on a cmwq worker: the web
 * server's graceful shutdown waits for it, nothing interrupts it, the response arrives whole,
 * and only then are the workqueues drained and destroyed and the runtime shut down.
 */
class GracefulShutdownTest {

  @Test
  void anInFlightBlockingRequestFinishesBeforeTheWorkqueuesGo() throws Exception {
    WebApp.SlowController.entered = new CountDownLatch(1);
    WebApp.SlowController.release = new CountDownLatch(1);
    CountDownLatch closing = new CountDownLatch(1);
    ConfigurableApplicationContext context =
        new SpringApplicationBuilder(WebApp.class)
            .web(WebApplicationType.REACTIVE)
            .listeners((ApplicationListener<ContextClosedEvent>) e -> closing.countDown())
            .properties(
                "server.port=0",
                "server.address=127.0.0.1",
                "server.shutdown=graceful",
                "spring.lifecycle.timeout-per-shutdown-phase=20s",
                "cmwq.thread-name-prefix=" + WebApp.PREFIX,
                "cmwq.workqueues.io.unbound=true",
                "cmwq.shutdown.timeout=20s",
                "spring.main.banner-mode=off")
            .run();
    CompletableFuture<Void> closed = null;
    try {
      int port = ((WebServerApplicationContext) context).getWebServer().getPort();
      Workqueue webflux = context.getBean("webfluxWorkqueue", Workqueue.class);
      WorkqueueRuntime runtime = context.getBean(WorkqueueRuntime.class);
      CompletableFuture<ResponseEntity<String>> response =
          WebClient.create("http://127.0.0.1:" + port)
              .get()
              .uri("/slow")
              .retrieve()
              .toEntity(String.class)
              .toFuture();
      assertThat(WebApp.SlowController.entered.await(10, SECONDS)).as("the request reached the handler").isTrue();
      assertThat(webflux.stats().inFlight()).isEqualTo(1);

      closed = CompletableFuture.runAsync(context::close);
      assertThat(closing.await(10, SECONDS)).as("the close began").isTrue();
      // the close waits on the graceful shutdown, which waits on the request
      assertThat(closed).isNotDone();
      assertThat(response).isNotDone();
      assertThat(runtime.isShutdown()).isFalse();
      assertThat(webflux.isDestroyed()).isFalse();

      WebApp.SlowController.release.countDown();
      ResponseEntity<String> r = response.get(20, SECONDS);
      assertThat(r.getStatusCode().value()).isEqualTo(200);
      assertThat(r.getBody()).startsWith("done " + WebApp.PREFIX).endsWith("|platform");
      closed.get(30, SECONDS);
      assertThat(webflux.stats().completed()).isEqualTo(webflux.stats().started());
      assertThat(webflux.isDestroyed()).isTrue();
      assertThat(runtime.isShutdown()).isTrue();
      assertThat(runtime.awaitTermination(Duration.ofSeconds(20))).isTrue();
    } finally {
      WebApp.SlowController.release.countDown();
      if (closed == null) {
        context.close();
      }
    }
  }
}
