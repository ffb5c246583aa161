package org.grouptherapy.fhir;

import ca.uhn.fhir.rest.server.IResourceProvider;

/**
 * Marks a Spring bean that serves one resource type itself, in place of the JPA repository's
 * provider for that type ({@link FhirRestfulServerConfiguration} swaps them).
 */
public interface FhirResourceProvider extends IResourceProvider {}
