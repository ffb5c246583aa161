package org.grouptherapy.fhir;

import ca.uhn.fhir.batch2.jobs.export.BulkDataExportProvider;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.provider.IJpaSystemProvider;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.provider.ValueSetOperationProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.interceptor.ResponseHighlighterInterceptor;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import jakarta.servlet.http.HttpServletResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.grouptherapy.system.AppProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The HAPI RestfulServer at {@code app.fhir.path}, with every provider and interceptor bean. */
@Configuration(proxyBeanMethods = false)
class FhirRestfulServerConfiguration {

  static final String SERVER_NAME = "Group Therapy FHIR Server";

  @Bean
  RestfulServer restfulServer(
      AppProperties properties,
      ServerVersion serverVersion,
      IFhirSystemDao<?, ?> systemDao,
      IJpaSystemProvider systemProvider,
      ResourceProviderFactory resourceProviders,
      JpaStorageSettings storageSettings,
      ISearchParamRegistry searchParamRegistry,
      IValidationSupport validationSupport,
      DatabaseBackedPagingProvider pagingProvider,
      BulkDataExportProvider bulkDataExportProvider,
      ValueSetOperationProvider valueSetOperationProvider,
      List<FhirOperationProvider> operationProviders,
      List<FhirResourceProvider> ownResourceProviders,
      List<FhirRestInterceptor> restInterceptors,
      ConformancePackage conformance,
      ServerUrls urls) {
    RestfulServer server =
        new RestfulServer(systemDao.getContext()) {
          @Override
          public void addHeadersToResponse(HttpServletResponse response) {
            // No X-Powered-By: the product and version are nobody's business but the
            // CapabilityStatement's.
          }

          @Override
          protected String newRequestId(int length) {
            return RequestIds.next(length);
          }
        };
    server.setServerName(SERVER_NAME);
    server.setServerVersion(serverVersion.version());
    server.setImplementationDescription(SERVER_NAME);
    server.setDefaultResponseEncoding(EncodingEnum.JSON);
    server.setDefaultPrettyPrint(false);

    pagingProvider.setDefaultPageSize(properties.fhir().defaultPageSize());
    pagingProvider.setMaximumPageSize(properties.fhir().maxPageSize());
    server.setPagingProvider(pagingProvider);
    // Links, the CapabilityStatement and the OpenAPI document name the configured public URL,
    // never the Host of whoever happened to call first (HAPI caches both).
    server.setServerAddressStrategy(new PublicServerAddress(properties, urls));

    Set<Class<?>> ownTypes = new HashSet<>();
    ownResourceProviders.forEach(p -> ownTypes.add(p.getResourceType()));
    server.registerProviders(
        resourceProviders.createProviders().stream()
            .filter(
                p ->
                    !(p instanceof IResourceProvider typed
                        && ownTypes.contains(typed.getResourceType())))
            .toList());
    server.registerProviders(ownResourceProviders);
    server.registerProvider(systemProvider);
    server.registerProvider(bulkDataExportProvider);
    server.registerProvider(valueSetOperationProvider);
    server.registerProviders(operationProviders);

    JpaCapabilityStatementProvider capabilityStatement =
        new ProjectCapabilityStatementProvider(
            server,
            systemDao,
            storageSettings,
            searchParamRegistry,
            validationSupport,
            conformance);
    capabilityStatement.setImplementationDescription(SERVER_NAME);
    server.setServerConformanceProvider(capabilityStatement);

    server.registerInterceptor(new ResponseHighlighterInterceptor());
    server.registerInterceptor(new ProjectOpenApi(properties, urls));
    restInterceptors.forEach(server::registerInterceptor);
    return server;
  }

  @Bean
  ServletRegistrationBean<RestfulServer> fhirServlet(
      RestfulServer restfulServer,
      AppProperties properties,
      IInterceptorService storageInterceptors,
      List<FhirStorageInterceptor> interceptors) {
    interceptors.forEach(storageInterceptors::registerInterceptor);
    ServletRegistrationBean<RestfulServer> registration =
        new ServletRegistrationBean<>(restfulServer, properties.fhir().path() + "/*");
    registration.setName("fhir");
    registration.setLoadOnStartup(1);
    return registration;
  }

  @Bean
  FilterRegistrationBean<RequestSizeLimitFilter> requestSizeLimitFilter(
      AppProperties properties, RestfulServer restfulServer) {
    FilterRegistrationBean<RequestSizeLimitFilter> registration =
        new FilterRegistrationBean<>(
            new RequestSizeLimitFilter(
                properties.fhir().maxRequestSize(), restfulServer.getFhirContext()));
    registration.addUrlPatterns(properties.fhir().path() + "/*");
    return registration;
  }
}
