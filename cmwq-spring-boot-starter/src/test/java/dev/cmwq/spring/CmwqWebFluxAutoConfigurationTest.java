package dev.cmwq.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.Workqueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.core.task.TaskDecorator;
import org.springframework.web.reactive.config.WebFluxConfigurer;

/**
 * {@link CmwqWebFluxAutoConfiguration}: its conditions and the {@code cmwq.webflux.*} properties,
 * in context runners (the WebFlux tests in {@code web} show it serving requests).
 */
class CmwqWebFluxAutoConfigurationTest {

  private final String prefix = CmwqAutoConfigurationTest.uniquePrefix();

  private final ReactiveWebApplicationContextRunner runner =
      new ReactiveWebApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(CmwqAutoConfiguration.class, CmwqWebFluxAutoConfiguration.class))
          .withPropertyValues("cmwq.thread-name-prefix=" + prefix);

  @Test
  void byDefaultBlockingCallsGoToABoundWorkqueueNamedWebflux() {
    runner.run(
        context -> {
          assertThat(context).hasSingleBean(CmwqWebFluxAutoConfiguration.CmwqWebFluxConfigurer.class);
          CmwqWebFluxAutoConfiguration.CmwqWebFluxConfigurer c =
              context.getBean(CmwqWebFluxAutoConfiguration.CmwqWebFluxConfigurer.class);
          Workqueue wq = context.getBean("webfluxWorkqueue", Workqueue.class);
          assertThat(wq.name()).isEqualTo("webflux");
          assertThat(wq.isUnbound()).isFalse();
          assertThat(c.executor().workqueue()).isSameAs(wq);
          assertThat(context).hasBean("webfluxScheduler");
          // after Boot's own configurer (order 0), before the application's (unordered)
          assertThat(c.getOrder()).isEqualTo(1);
          assertThat(c).isInstanceOf(WebFluxConfigurer.class);
          assertThat(CmwqAutoConfigurationTest.threadOf(wq)).startsWith(prefix);
        });
  }

  @Test
  void theWorkqueueCanBeOneOfTheConfiguredOnes() {
    runner
        .withPropertyValues("cmwq.webflux.workqueue=io", "cmwq.workqueues.io.unbound=true", "cmwq.workqueues.io.max-active=64")
        .run(
            context -> {
              Workqueue io = context.getBean("ioWorkqueue", Workqueue.class);
              assertThat(context.getBean(CmwqWebFluxAutoConfiguration.CmwqWebFluxConfigurer.class).executor().workqueue())
                  .isSameAs(io);
              assertThat(io.isUnbound()).isTrue();
              assertThat(io.maxActive()).isEqualTo(64);
              assertThat(context).doesNotHaveBean("webfluxWorkqueue");
            });
  }

  @Test
  void orANewBoundOneOfAnotherName() {
    runner
        .withPropertyValues("cmwq.webflux.workqueue=handlers")
        .run(
            context -> {
              Workqueue wq = context.getBean("handlersWorkqueue", Workqueue.class);
              assertThat(wq.name()).isEqualTo("handlers");
              assertThat(context.getBean(CmwqWebFluxAutoConfiguration.CmwqWebFluxConfigurer.class).executor().workqueue())
                  .isSameAs(wq);
            });
  }

  @Test
  void theTaskDecoratorOfTheApplicationWrapsEachCall() throws Exception {
    AtomicInteger decorated = new AtomicInteger();
    runner
        .withBean(TaskDecorator.class, () -> task -> () -> {
          decorated.incrementAndGet();
          task.run();
        })
        .run(
            context -> {
              WorkqueueTaskExecutor executor =
                  context.getBean(CmwqWebFluxAutoConfiguration.CmwqWebFluxConfigurer.class).executor();
              CompletableFuture<String> thread = new CompletableFuture<>();
              executor.execute(() -> thread.complete(Thread.currentThread().getName()));
              assertThat(thread.get(10, TimeUnit.SECONDS)).startsWith(prefix);
              assertThat(decorated).hasValue(1);
            });
  }

  @Test
  void offWhenSwitchedOff() {
    runner
        .withPropertyValues("cmwq.webflux.blocking-execution=false")
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(CmwqWebFluxAutoConfiguration.CmwqWebFluxConfigurer.class);
              assertThat(context).doesNotHaveBean("webfluxWorkqueue");
            });
  }

  @Test
  void offWhenCmwqIsDisabled() {
    runner
        .withPropertyValues("cmwq.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(CmwqWebFluxAutoConfiguration.CmwqWebFluxConfigurer.class));
  }

  @Test
  void offOutsideAReactiveWebApplication() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(CmwqAutoConfiguration.class, CmwqWebFluxAutoConfiguration.class))
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(CmwqWebFluxAutoConfiguration.CmwqWebFluxConfigurer.class);
              assertThat(context).doesNotHaveBean("webfluxWorkqueue");
            });
  }

  @Test
  void offWithoutWebFlux() {
    runner
        .withClassLoader(new FilteredClassLoader(WebFluxConfigurer.class))
        .run(context -> assertThat(context).doesNotHaveBean(CmwqWebFluxAutoConfiguration.CmwqWebFluxConfigurer.class));
  }

  @Test
  void anApplicationConfigurerReplacesOurs() {
    runner
        .withBean(
            "myConfigurer",
            CmwqWebFluxAutoConfiguration.CmwqWebFluxConfigurer.class,
            () -> new CmwqWebFluxAutoConfiguration.CmwqWebFluxConfigurer(
                new WorkqueueTaskExecutor(dev.cmwq.WorkqueueRuntime.global().systemUnboundWq())))
        .run(
            context -> {
              assertThat(context).hasSingleBean(CmwqWebFluxAutoConfiguration.CmwqWebFluxConfigurer.class)
                  .hasBean("myConfigurer");
            });
  }
}
