package org.grouptherapy.fhir;

/**
 * Marks a Spring bean as a HAPI plain provider of custom operations; each one has its
 * OperationDefinition in fhir-profiles/.
 */
public interface FhirOperationProvider {}
