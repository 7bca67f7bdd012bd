package dev.cmwq.samples.webflux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cmwq.Workqueue;
import dev.cmwq.samples.webflux.BookController.BookAnswer;
import dev.cmwq.samples.webflux.PrimeController.Tick;
import java.time.Duration;
import java.util.List;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * The sample application on a real server (loopback, random port) with its own
 * {@code application.yml}: blocking handlers answer from cmwq workers of the {@code jdbc}
 * workqueue, never from the event loop, also under many requests at once; reactive ones from the
 * {@code compute} workqueue; the actuator shows the workqueues, their meters and the health.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"server.address=127.0.0.1"})
class WebFluxSampleApplicationTest {

  /** A bound pool worker of the runtime, as application.yml names them: kworker/<cpu>:<id>. */
  private static final String BOUND_WORKER = "kworker/\\d+:\\d+";

  /** Requests sent at once to the blocking endpoint. */
  private static final int CONCURRENT = 64;

  @LocalServerPort int port;

  @Autowired
  @Qualifier("jdbc")
  Workqueue jdbc;

  @Autowired
  @Qualifier("compute")
  Workqueue compute;

  WebTestClient client;

  /** The concurrent test's client connections: one per request, so none waits for a connection. */
  ConnectionProvider connections;

  @BeforeEach
  void client() {
    client = WebTestClient.bindToServer().baseUrl(baseUrl()).responseTimeout(Duration.ofSeconds(10)).build();
  }

  @AfterEach
  void closeConnections() {
    if (connections != null) {
      connections.disposeLater().block(Duration.ofSeconds(10));
    }
  }

  private String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  @Test
  void aBookIsReadOnAWorkerOfTheJdbcWorkqueue() {
    BookAnswer answer = client.get().uri("/books/2").exchange()
        .expectStatus().isOk()
        .expectBody(BookAnswer.class).returnResult().getResponseBody();
    assertThat(answer).isNotNull();
    assertThat(answer.book()).isEqualTo(new Book(2, "Linux Kernel Development", "Robert Love"));
    assertThat(answer.thread()).matches(BOUND_WORKER).doesNotContain("reactor-http");
  }

  @Test
  void theShelfListsEveryBookAndAnUnknownBookIs404() {
    client.get().uri("/books").exchange()
        .expectStatus().isOk()
        .expectBody()
        .jsonPath("$.books.length()").isEqualTo(5)
        .jsonPath("$.books[0].id").isEqualTo(1)
        .jsonPath("$.books[4].title").isEqualTo("The Art of Multiprocessor Programming")
        .jsonPath("$.thread").value(String.class, t -> assertThat(t).matches(BOUND_WORKER));
    client.get().uri("/books/99").exchange().expectStatus().isNotFound();
  }

  @Test
  void manyConcurrentBlockingRequestsAllCompleteOnCmwqWorkers() {
    long startedBefore = jdbc.stats().started();
    connections = ConnectionProvider.builder("books").maxConnections(CONCURRENT).pendingAcquireMaxCount(-1).build();
    WebClient web = WebClient.builder()
        .baseUrl(baseUrl())
        .clientConnector(new ReactorClientHttpConnector(HttpClient.create(connections)))
        .build();

    List<BookAnswer> answers = Flux.range(0, CONCURRENT)
        .flatMap(i -> web.get().uri("/books/{id}", 1 + i % 5).retrieve().bodyToMono(BookAnswer.class), CONCURRENT)
        .collectList()
        .block(Duration.ofSeconds(30));

    assertThat(answers).hasSize(CONCURRENT);
    assertThat(answers).allSatisfy(a -> assertThat(a.thread()).matches(BOUND_WORKER));
    for (long id = 1; id <= 5; id++) {
      long want = id;
      assertThat(answers).filteredOn(a -> a.book().id() == want).hasSize(CONCURRENT / 5 + (id <= CONCURRENT % 5 ? 1 : 0));
    }
    // every request was a work item of the jdbc workqueue
    assertThat(jdbc.stats().started()).isGreaterThanOrEqualTo(startedBefore + CONCURRENT);
  }

  @Test
  void primesAreCountedOnTheComputeWorkqueue() {
    client.get().uri("/primes?below=100").exchange()
        .expectStatus().isOk()
        .expectBody()
        .jsonPath("$.below").isEqualTo(100)
        .jsonPath("$.count").isEqualTo(25)
        .jsonPath("$.largest").isEqualTo(97)
        .jsonPath("$.thread").value(String.class, t -> assertThat(t).matches(BOUND_WORKER));
    client.get().uri("/primes?below=1").exchange().expectStatus().isBadRequest();
  }

  @Test
  void theCountdownIsEmittedByComputeWorkersAfterEachTimer() {
    List<Tick> ticks = client.get().uri("/countdown?from=3&everyMs=10").accept(MediaType.APPLICATION_JSON).exchange()
        .expectStatus().isOk()
        .expectBodyList(Tick.class).returnResult().getResponseBody();
    assertThat(ticks).extracting(Tick::n).containsExactly(3, 2, 1, 0);
    assertThat(ticks).allSatisfy(t -> assertThat(t.thread()).matches(BOUND_WORKER));
  }

  @Test
  void theWorkqueuesEndpointListsTheSampleWorkqueues() {
    client.get().uri("/books/1").exchange().expectStatus().isOk();
    client.get().uri("/primes?below=1000").exchange().expectStatus().isOk();
    // an item counts as completed once its function has returned, which may be after the response
    await().atMost(Duration.ofSeconds(10))
        .until(() -> jdbc.stats().completed() >= 1 && compute.stats().completed() >= 1);
    client.get().uri("/actuator/workqueues").accept(MediaType.APPLICATION_JSON).exchange()
        .expectStatus().isOk()
        .expectBody()
        .jsonPath("$.runtime.shutdown").isEqualTo(false)
        .jsonPath("$.workqueues.jdbc.type").isEqualTo("bound")
        .jsonPath("$.workqueues.jdbc.maxActive").isEqualTo(8)
        .jsonPath("$.workqueues.jdbc.completed").value(Number.class, n -> assertThat(n.longValue()).isPositive())
        .jsonPath("$.workqueues.compute.type").isEqualTo("bound")
        .jsonPath("$.workqueues.compute.completed").value(Number.class, n -> assertThat(n.longValue()).isPositive())
        .jsonPath("$.dump").value(String.class, d -> assertThat(d).contains("workqueue jdbc", "workqueue compute"));
    client.get().uri("/actuator/workqueues/jdbc").accept(MediaType.APPLICATION_JSON).exchange()
        .expectStatus().isOk()
        .expectBody()
        .jsonPath("$.name").isEqualTo("jdbc");
  }

  @Test
  void theWorkqueueMetersHaveValuesAfterRequests() {
    client.get().uri("/books/3").exchange().expectStatus().isOk();
    client.get().uri("/actuator/metrics").accept(MediaType.APPLICATION_JSON).exchange()
        .expectStatus().isOk()
        .expectBody()
        .jsonPath("$.names").value(Object.class, names -> assertThat(names)
            .asInstanceOf(InstanceOfAssertFactories.list(String.class))
            .contains("workqueue.work.started", "workqueue.work.completed", "workqueue.work.inflight",
                "workqueue.workers"));
    // an item counts as completed once its function has returned, which may be after the response
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        client.get().uri("/actuator/metrics/workqueue.work.completed?tag=name:jdbc")
            .accept(MediaType.APPLICATION_JSON).exchange()
            .expectStatus().isOk()
            .expectBody()
            .jsonPath("$.measurements[0].statistic").isEqualTo("COUNT")
            .jsonPath("$.measurements[0].value").value(Number.class, v -> assertThat(v.doubleValue()).isGreaterThanOrEqualTo(1)));
  }

  @Test
  void theHealthIsUpWithTheCmwqComponent() {
    client.get().uri("/actuator/health").accept(MediaType.APPLICATION_JSON).exchange()
        .expectStatus().isOk()
        .expectBody()
        .jsonPath("$.status").isEqualTo("UP")
        .jsonPath("$.components.cmwq.status").isEqualTo("UP")
        .jsonPath("$.components.cmwq.details.lockups").isEqualTo(0);
  }
}
