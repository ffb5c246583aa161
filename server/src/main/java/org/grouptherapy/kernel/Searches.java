package org.grouptherapy.kernel;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.IdType;

/** Searching for many things at once: references ORed together, a few hundred at a time. */
public final class Searches {

  /** How many references one search ORs together: large enough to save round trips. */
  public static final int CHUNK = 300;

  private Searches() {}

  /** The values in order, cut into lists of at most {@link #CHUNK}. */
  public static List<List<String>> chunks(Collection<String> values) {
    List<String> all = new ArrayList<>(values);
    List<List<String>> out = new ArrayList<>();
    for (int i = 0; i < all.size(); i += CHUNK) {
      out.add(all.subList(i, Math.min(all.size(), i + CHUNK)));
    }
    return out;
  }

  /** Any of these references ("Patient/1", …). */
  public static ReferenceOrListParam anyOf(Collection<String> references) {
    ReferenceOrListParam any = new ReferenceOrListParam();
    references.forEach(r -> any.addOr(new ReferenceParam(r)));
    return any;
  }

  /**
   * Every resource of a type whose reference parameter points at any of the references, searched
   * {@link #CHUNK} at a time; {@code more} adds other criteria to each search.
   */
  public static <T extends IBaseResource> List<T> referencing(
      DaoRegistry daos,
      Class<T> type,
      String parameter,
      Collection<String> references,
      Consumer<SearchParameterMap> more,
      RequestDetails request) {
    List<T> out = new ArrayList<>();
    for (List<String> chunk : chunks(references)) {
      SearchParameterMap search = SearchParameterMap.newSynchronous().add(parameter, anyOf(chunk));
      more.accept(search);
      for (IBaseResource found : daos.getResourceDao(type).searchForResources(search, request)) {
        out.add(type.cast(found));
      }
    }
    return out;
  }

  public static <T extends IBaseResource> List<T> referencing(
      DaoRegistry daos,
      Class<T> type,
      String parameter,
      Collection<String> references,
      RequestDetails request) {
    return referencing(daos, type, parameter, references, search -> {}, request);
  }

  /**
   * The resources of a type with these references ("Patient/1", or bare ids), by {@code _id},
   * {@link #CHUNK} at a time, in no particular order; unknown and deleted ones are left out.
   */
  public static <T extends IBaseResource> List<T> byIds(
      DaoRegistry daos, Class<T> type, Collection<String> references, RequestDetails request) {
    List<T> out = new ArrayList<>();
    for (List<String> chunk : chunks(references)) {
      TokenOrListParam ids = new TokenOrListParam();
      chunk.forEach(r -> ids.addOr(new TokenParam(new IdType(r).getIdPart())));
      SearchParameterMap search = SearchParameterMap.newSynchronous().add("_id", ids);
      for (IBaseResource found : daos.getResourceDao(type).searchForResources(search, request)) {
        out.add(type.cast(found));
      }
    }
    return out;
  }
}
