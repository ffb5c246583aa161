package org.grouptherapy.kernel;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.util.BundleBuilder;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Meta;
import org.hl7.fhir.r4.model.Resource;
import org.springframework.stereotype.Component;

/**
 * The server's own writes: the request they are made under, and batches of them written as one
 * nested transaction Bundle (HAPI's BundleBuilder), inside the caller's database transaction. Every
 * storage interceptor sees these writes as it sees a client's: the booking ledger, the claim guard,
 * the enrolment guard, the intake pipeline.
 */
@Component
public class ServerWrites {

  /**
   * Request user-data key the server's own operations set on the writes they build from validated
   * input and fixed templates: the HL7 validator costs more than the rest of such a write, and
   * tests validate those templates against the profiles instead.
   */
  public static final String BUILT_BY_SERVER = ServerWrites.class.getName() + ".built";

  /** Request user-data key an operation sets to book despite conflicts, with the reason. */
  public static final String OVERRIDE_REASON = ServerWrites.class.getName() + ".override";

  private final FhirContext fhirContext;
  private final IFhirSystemDao<Bundle, Meta> systemDao;

  @PersistenceContext private EntityManager entityManager;

  ServerWrites(FhirContext fhirContext, IFhirSystemDao<Bundle, Meta> systemDao) {
    this.fhirContext = fhirContext;
    this.systemDao = systemDao;
  }

  /** The request the server's own writes are made under, with an override reason if any. */
  public static SystemRequestDetails writer(String overrideReason) {
    SystemRequestDetails write = new SystemRequestDetails();
    write.getUserData().put(BUILT_BY_SERVER, Boolean.TRUE);
    if (overrideReason != null) {
      write.getUserData().put(OVERRIDE_REASON, overrideReason);
    }
    return write;
  }

  /** Whether a request carries the server's own writes (see {@link #BUILT_BY_SERVER}). */
  public static boolean builtByServer(ca.uhn.fhir.rest.api.server.RequestDetails request) {
    return request instanceof SystemRequestDetails
        && Boolean.TRUE.equals(request.getUserData().get(BUILT_BY_SERVER));
  }

  /**
   * Lets go of the entities this transaction has loaded and written so far (all flushed): a long
   * operation calls it after each step, or every later query's auto-flush would dirty-check all of
   * them again. The FHIR resources it holds are copies and stay usable.
   */
  public void release() {
    entityManager.flush();
    entityManager.clear();
  }

  public Batch batch() {
    return new Batch();
  }

  /**
   * Writes of one step, as one transaction Bundle through HAPI's transaction processor (which
   * resolves urn references between entries and inserts in batches), joining the caller's database
   * transaction. Written resources get their new ids.
   */
  public final class Batch {
    private final BundleBuilder builder = new BundleBuilder(fhirContext);
    private final List<Resource> written = new ArrayList<>();

    /** Creates the resource; other entries may refer to it by the urn returned. */
    public String create(Resource resource) {
      String urn = "urn:uuid:" + UUID.randomUUID();
      builder.addTransactionCreateEntry(resource, urn);
      written.add(resource);
      return urn;
    }

    public void update(Resource resource) {
      builder.addTransactionUpdateEntry(resource);
      written.add(resource);
    }

    public void delete(Resource resource) {
      builder.addTransactionDeleteEntry(resource.getIdElement().toUnqualifiedVersionless());
      written.add(null);
    }

    public boolean isEmpty() {
      return written.isEmpty();
    }

    /**
     * Writes the batch; returns the location of each entry ("Claim/12/_history/1"), in order. The
     * persistence context is flushed before and after: what this transaction wrote earlier must be
     * visible to the Bundle's reference checks (which query the database), and what it writes to
     * the next step's.
     */
    public List<String> commit(SystemRequestDetails write) {
      if (written.isEmpty()) {
        return List.of();
      }
      entityManager.flush();
      Bundle response = systemDao.transactionNested(write, (Bundle) builder.getBundle());
      entityManager.flush();
      List<String> locations = new ArrayList<>();
      for (int i = 0; i < written.size(); i++) {
        String location = response.getEntry().get(i).getResponse().getLocation();
        locations.add(location);
        Resource resource = written.get(i);
        if (resource != null && location != null) {
          resource.setIdElement(new IdType(location).toUnqualified());
        }
      }
      return locations;
    }
  }
}
