# Presidio: catalogo italiano. Ogni testo che una persona legge passa da qui.

## Servizio
app-name = Presidio
app-service = Pronto Intervento Sociale
app-description = Centrale Operativa del Pronto Intervento Sociale
app-owner = Centrale Operativa PIS

## Struttura della pagina
skip-to-content = Vai al contenuto principale
skip-to-footer = Vai al piè di pagina
nav-label = Navigazione principale
nav-toggle = Apri o chiudi il menu
nav-home = Inizio
nav-reference = Ambiti e comuni
nav-grouped = Riferimenti
nav-about = Informazioni
nav-api = API
nav-admin = Amministrazione
user-anonymous = Accesso non effettuato
login-link = Accedi
logout = Esci
footer-text = Presidio, il software del Pronto Intervento Sociale degli Ambiti Territoriali Sociali.
footer-version = Versione { $version }
footer-time = Ora di Roma: { $time }
breadcrumb-label = Percorso di navigazione

## Inizio
home-title = Centrale Operativa
home-lead = Il Pronto Intervento Sociale risponde 24 ore su 24 alle emergenze e alle urgenze sociali quando i servizi sociali comunali sono chiusi.
home-now = Oggi è { $date }, ore { $time } (ora di Roma).
home-ambiti = Ambiti serviti
home-ambiti-empty = Nessun Ambito configurato. Un amministratore può importarne uno con il comando presidio ambito import.
home-open-ambito = Comuni dell'{ $name }
municipalities-count = { $count ->
    [one] { $count } comune
   *[other] { $count } comuni
}

## Ambiti e comuni
reference-title = Ambiti e comuni
reference-lead = I comuni di ciascun Ambito, con i codici ISTAT e catastali e la festività locale in cui gli uffici comunali sono chiusi.
ambito-title = Comuni dell'{ $name }
ambito-caption = Comuni dell'{ $name }: { $count }
col-istat = Codice ISTAT
col-belfiore = Codice catastale
col-name = Comune
col-province = Provincia
col-postal = CAP
col-population = Popolazione
col-patron = Festività locale
patron-unknown = non indicata
population-note = Popolazione al censimento 2011: dato di riferimento, aggiornabile dall'amministratore.

## Informazioni
about-title = Informazioni
about-lead = Presidio è il software della Centrale Operativa del Pronto Intervento Sociale.
about-version = Versione
about-database = Archivio dati
about-licences = Componenti inclusi e licenze
about-licences-lead = Tutti i componenti sono inclusi nel programma: nessuna risorsa viene caricata da altri siti.
col-component = Componente
col-version = Versione
col-licence = Licenza
col-use = Uso
use-ui-kit = Kit dell'interfaccia della Pubblica Amministrazione (Designers Italia)
use-font-titillium = Carattere principale
use-font-lora = Carattere per i testi lunghi
use-font-roboto-mono = Carattere a spaziatura fissa
use-htmx = Aggiornamento delle pagine senza ricaricarle
use-htmx-sse = Bacheche aggiornate in tempo reale
about-data = Dati di riferimento
about-data-municipalities = Codici ISTAT e catastali dei comuni: ISTAT, confini amministrativi al giugno 2023 (elaborazione openpolis, CC BY 4.0).
backend-sqlite = SQLite incorporato
backend-postgres = PostgreSQL

## API
api-title = API JSON
api-lead = Le integrazioni usano l'API JSON sotto /api/v1. Il documento OpenAPI 3, generato dal codice, è a disposizione per i client.
api-download = Scarica il documento OpenAPI
api-endpoints = Operazioni disponibili
col-method = Metodo
col-path = Percorso
col-summary = Descrizione
col-responses = Risposte
api-errors = Errori
api-errors-lead = Ogni errore è un oggetto JSON con un codice stabile, un messaggio in italiano e, per i dati non validi, un messaggio per ciascun campo:

## Errori (codici stabili dell'API)
error-not_found = La risorsa richiesta non esiste.
error-method_not_allowed = Metodo non consentito per questa risorsa.
error-bad_request = Richiesta non valida.
error-invalid_input = Alcuni dati non sono validi: correggere i campi indicati.
error-invalid_json = Il corpo della richiesta non è un JSON valido.
error-unsupported_media_type = Il corpo della richiesta deve essere in formato JSON (Content-Type: application/json).
error-payload_too_large = Il corpo della richiesta è troppo grande (massimo 1 MiB).
error-idempotency_busy = La stessa richiesta (con lo stesso Idempotency-Key) è ancora in corso: attendere la sua risposta e riprovare.
error-conflict = Il dato è stato modificato da un'altra persona dopo la lettura: ricaricare e riprovare.
error-too_many_exports = Altre esportazioni sono in corso a proprio nome: attendere che finiscano e riprovare.
error-refused = Il dato non può essere salvato perché contrasta con dati già registrati: nulla è stato modificato. Verificare i valori o rivolgersi all'amministratore.
error-unavailable = Il servizio non è momentaneamente disponibile: l'archivio dati non risponde.
error-timeout = La richiesta ha impiegato troppo tempo.
error-internal = Errore interno. Il problema è stato registrato.
error-unauthorized = Autenticazione richiesta.
error-forbidden = Operazione non consentita: il proprio ruolo non dà accesso a questa risorsa.
error-unauthenticated = Autenticazione richiesta: ottenere un token con POST /api/v1/auth/token e inviarlo nell'intestazione Authorization: Bearer.
error-token_invalid = Token non valido, revocato o scaduto: ottenerne uno nuovo.
error-bad_credentials = Nome utente o password non corretti.
error-totp_required = Questo account usa la verifica in due passaggi: inviare anche il campo "totp" con il codice dell'app di autenticazione (o un codice di recupero).
error-totp_invalid = Codice di verifica non valido o già usato: attendere il codice successivo dell'app di autenticazione (o usare un codice di recupero).
error-totp_enrolment_required = Il ruolo di questo account richiede la verifica in due passaggi: attivarla prima dal browser, in «Il mio profilo».
error-locked = Troppi tentativi falliti: accesso sospeso per 15 minuti. Riprovare più tardi o rivolgersi all'amministratore.
error-self_disable = Non è possibile disattivare il proprio account: chiedere a un altro amministratore.
error-csrf = Il modulo è scaduto o non proviene da questa pagina: ricaricare la pagina e riprovare.
error-page-title = { $status ->
    [404] Pagina non trovata
   *[other] Errore
}
error-page-back = Torna all'inizio

## Validazione: { $field } è il nome del campo
validation-required = { $field }: campo obbligatorio.
validation-too_long = { $field }: testo troppo lungo (al massimo { $max } caratteri).
validation-invalid_istat_code = { $field }: deve essere di 6 cifre (ad esempio 015182).
validation-invalid_belfiore_code = { $field }: deve essere una lettera seguita da 3 cifre (ad esempio H264).
validation-invalid_province = { $field }: indicare la sigla di 2 lettere (ad esempio MI).
validation-invalid_postal_code = { $field }: deve essere di 5 cifre.
validation-invalid_month_day = { $field }: indicare mese e giorno nel formato MM-GG (ad esempio 05-08).
validation-negative = { $field }: deve essere un numero intero non negativo.
validation-duplicate = { $key ->
    [kind] { $field }: tipo già indicato più sopra.
   *[other] { $field }: valore già in uso.
}
validation-invalid_code = { $key ->
    [report_prefix] { $field }: da 1 a 12 lettere maiuscole o cifre, iniziando con una lettera (ad esempio PIS o BOL).
    [endpoint] { $field }: l'indirizzo https:// che il browser dà per il dispositivo.
    [p256dh] { $field }: la chiave P-256 del dispositivo in base64url, come la dà il browser.
    [auth] { $field }: il segreto di 16 byte del dispositivo in base64url, come lo dà il browser.
    [idempotency_key] { $field }: da 1 a 255 caratteri ASCII visibili, senza spazi (ad esempio un UUID).
    [kind] { $field }: scegliere uno dei tipi elencati.
    [codice_ente] { $field }: da 1 a 32 lettere, cifre, punti o trattini, come assegnato da INPS.
    [codice] { $field }: da 5 a 10 lettere, cifre o punti, come nella tabella nazionale (ad esempio A1.16).
   *[other] { $field }: da 2 a 40 lettere minuscole, cifre o trattini.
}

## Nomi dei campi
field-code = Codice
field-name = Nome
field-ambito = Ambito
field-report_prefix = Prefisso del protocollo
field-istat_code = Codice ISTAT
field-belfiore_code = Codice catastale
field-codice_ente = Codice dell'ente per INPS
field-denominazione_ente = Denominazione dell'ente
field-belfiore_sede = Codice catastale della sede
field-cf_operatore = Codice fiscale dell'operatore
field-prestazioni = Prestazioni
field-prestazioni-item = Prestazione { $n }
field-codice = Codice della prestazione
field-denominazione = Denominazione della prestazione
siuss-title = SIUSS
siuss-lead = Le impostazioni con cui Presidio prepara per INPS i flussi del Sistema informativo unitario dei servizi sociali.
siuss-saved = Impostazioni SIUSS salvate.
siuss-stale = Nel frattempo un'altra persona ha salvato queste impostazioni: nulla è stato cambiato.
siuss-reload = Ricarica le impostazioni
siuss-body-title = L'ente che invia i flussi
siuss-services-title = Prestazioni
siuss-services-help = Per ogni tipo di intervento e di risorsa, il codice e la denominazione della prestazione nella tabella nazionale di INPS. Un tipo senza codice non produce flussi.
siuss-save = Salva le impostazioni
siuss-kind-sul_posto = Intervento sul posto
siuss-kind-a_distanza = Intervento a distanza (per telefono)
siuss-kind-dormitorio = Posto in dormitorio
siuss-kind-albergo = Posto in albergo
siuss-kind-comunita_minori = Collocamento in comunità per minori
siuss-kind-centro_antiviolenza = Accesso al centro antiviolenza
siuss-kind-casa_rifugio = Collocamento in casa rifugio
siuss-kind-mediazione = Mediazione linguistico-culturale
siuss-kind-trasporto = Trasporto
siuss-kind-beni_primari = Beni di prima necessità
siuss-kind-contributo_economico = Contributo economico
field-province = Provincia
field-postal_code = CAP
field-population = Popolazione
field-patron_holiday = Festività locale

## Calendario
month-1 = gennaio
month-2 = febbraio
month-3 = marzo
month-4 = aprile
month-5 = maggio
month-6 = giugno
month-7 = luglio
month-8 = agosto
month-9 = settembre
month-10 = ottobre
month-11 = novembre
month-12 = dicembre
weekday-1 = lunedì
weekday-2 = martedì
weekday-3 = mercoledì
weekday-4 = giovedì
weekday-5 = venerdì
weekday-6 = sabato
weekday-7 = domenica

## Riga di comando (i messaggi usati come contesto di un errore non hanno punto finale: segue la causa)
cli-error = Errore: { $error }
cli-database = Archivio dati: { $url }
cli-listening = Presidio è in ascolto su { $url }
cli-stopping = Arresto in corso: attendo la fine delle richieste in corso…
cli-stopped = Presidio si è arrestato; l'archivio dati è chiuso.
cli-bad-addr = Indirizzo non valido: { $addr } (atteso IP:PORTA, ad esempio 127.0.0.1:8080).
cli-bind-failed = Impossibile mettersi in ascolto su { $addr } (porta occupata o non consentita)
cli-bad-smtp = Indirizzo del server di posta (PRESIDIO_SMTP_URL o PRESIDIO_MAIL_FROM) non valido: { $error }
cli-follow-up-days = esiti chiesti al servizio sociale a { $days } giorni dalla presa in carico
cli-bad-sms-url = PRESIDIO_SMS_URL: serve un indirizzo http:// o https:// (vi possono comparire {"{"}to{"}"} e {"{"}text{"}"}).
cli-bad-sms-method = PRESIDIO_SMS_METHOD: il metodo è POST, PUT o GET.
cli-bad-sms-headers = PRESIDIO_SMS_HEADERS: ogni intestazione è «Nome: valore», una per riga o separate da |.
cli-bad-sms-success = PRESIDIO_SMS_SUCCESS: codici di stato HTTP separati da virgole, ad esempio 200,201,202.
cli-escalation = Allerta senza conferma: passa al reperibile successivo dopo { $minutes } min
cli-escalation-set = Ambito { $code }: un'allerta senza conferma passa al reperibile successivo dopo { $minutes } min (e un check-in ancora mancante dopo l'allarme fa avvisare un collega).
cli-follow-up-days-set = Ambito { $code }: gli esiti saranno chiesti al servizio sociale a { $days } giorni dalla presa in carico (per le prese in carico da ora in poi).
cli-follow-up-days-invalid = Giorni degli esiti: da uno a quattro numeri diversi, da 1 a 730, separati da virgole (ad esempio 30,90).
cli-retention-off = Ambito { $code }: le schede delle persone sono conservate senza limite.
cli-retention-set = Ambito { $code }: le schede delle persone con tutte le segnalazioni chiuse saranno anonimizzate { $years ->
    [one] un anno
   *[other] { $years } anni
} dopo l'ultima segnalazione (le segnalazioni e le statistiche restano).
cli-unknown-ambito = Ambito sconosciuto: «{ $code }» (vedere presidio ambito list).
cli-bad-waas = Impostazioni del servizio SIUSS (PRESIDIO_WAAS_JWKS, PRESIDIO_WAAS_ISSUER, PRESIDIO_WAAS_AUDIENCE) non valide: { $error }
cli-bad-summary-at = Ora del riepilogo del mattino (PRESIDIO_SUMMARY_AT) non valida: «{ $value }»; scrivere HH:MM, ad esempio 07:30, oppure off.
cli-bad-database-url = Indirizzo dell'archivio dati non valido: { $url } (atteso sqlite://PERCORSO oppure postgres://UTENTE:PASSWORD@HOST/DB).
cli-database-unavailable = Impossibile aprire l'archivio dati { $url }
cli-database-missing = L'archivio dati { $url } non esiste.
cli-backup-postgres = Per PostgreSQL usare pg_dump (vedere il README).
cli-backup-done = Copia di sicurezza scritta in { $file }.
cli-file-unreadable = Impossibile leggere il file { $file }
cli-import-done = { $name }: { $count ->
    [one] importato { $count } comune.
   *[other] importati { $count } comuni.
}
cli-import-line = Riga { $line }: { $message }
cli-setup-link = Nessun utente registrato. Per creare il primo amministratore aprire, entro { $minutes } minuti, il collegamento monouso:
    { $url }
    (in alternativa: presidio user add --role admin … --password-stdin)
cli-user-created = Utente { $username } creato (id { $id }).
cli-user-disabled = Utente { $username } disattivato: le sue sessioni e i suoi token non valgono più.
cli-user-unknown = Nessun utente con nome { $username }.
cli-audit-purged = Registro degli accessi: { $count } voci più vecchie del periodo di conservazione rimosse.
cli-audit-ok = Registro degli accessi integro: { $count } voci verificate.
cli-audit-broken = Registro degli accessi ALTERATO a partire dalla voce { $seq }: { $detail }
cli-audit-anchor-rewritten = Registro degli accessi RISCRITTO: la voce { $seq } non corrisponde più all'ancora registrata il { $at }.
cli-audit-anchor-missing = Registro degli accessi TRONCATO: manca la voce { $seq }, registrata nell'ancora del { $at }.
cli-audit-anchors-ok = Ancore esterne: { $count } corrispondono al registro{ $purged ->
    [0] {""}
    [one] , 1 riguarda voci già rimosse per il periodo di conservazione
   *[other] , { $purged } riguardano voci già rimosse per il periodo di conservazione
}.
cli-audit-anchored = Ancora scritta: voce { $seq } in { $file }.
cli-config-ok = Configurazione valida; l'archivio dati { $url } risponde.

## Accesso
login-title = Accesso
login-lead = Inserire nome utente e password personali. Le credenziali non vanno condivise: ogni accesso è registrato.
login-submit = Accedi
login-locked = Troppi tentativi falliti: l'accesso è sospeso fino alle { $time }. Per un'urgenza rivolgersi all'amministratore.
password-rule = La password deve avere almeno 12 caratteri e non essere comune né contenere il nome utente. Una frase di più parole è facile da ricordare e difficile da indovinare.
form-errors-title = Correggere i campi indicati:
choose = Scegliere…
all = Tutte
search = Cerca

## Profilo
profile-title = Il mio profilo
profile-sessions-title = Sessioni aperte
profile-sessions = { $count ->
    [one] Una sessione aperta (questa).
   *[other] { $count } sessioni aperte su questo e altri dispositivi.
}
profile-logout-everywhere = Esci da tutti i dispositivi

## Configurazione iniziale
setup-title = Configurazione iniziale
setup-lead = Creare l'account del primo amministratore. Il collegamento vale una sola volta.
setup-submit = Crea l'amministratore ed entra
setup-invalid = Questo collegamento di configurazione non è valido: è scaduto, è già stato usato oppure esiste già un account. Riavviare Presidio per ottenerne uno nuovo (solo se non esiste alcun account), oppure creare l'amministratore da riga di comando con «presidio user add».

## Ruoli
role-admin = Amministratore
role-coordinatore = Coordinatore
role-operatore_centrale = Operatore di centrale
role-operatore_pis = Operatore PIS
role-servizio_sociale = Servizio sociale comunale
role-segnalante = Segnalante qualificato
role-analista = Analista
role-partner = Partner della rete

organisation-kind-ente_gestore = Ente gestore dell'Ambito
organisation-kind-cooperativa = Cooperativa
organisation-kind-servizio_sociale = Servizio sociale comunale
organisation-kind-forze_ordine = Forze dell'ordine
organisation-kind-sanita = Sanità
organisation-kind-asst = ASST (ospedale, pronto soccorso, CPS)
organisation-kind-cav = Centro antiviolenza
organisation-kind-terzo_settore = Terzo settore
organisation-kind-scuola = Scuola
organisation-kind-autorita_giudiziaria = Autorità giudiziaria
organisation-kind-comunita = Comunità
organisation-kind-altro = Altro
organisation-kind-hint = Usato solo se l'organizzazione non esiste ancora.

## Amministrazione
admin-tabs = Sezioni dell'amministrazione
admin-users-title = Utenti
admin-users-table = Utenti registrati
admin-user-new = Nuovo utente
admin-user-create = Crea l'utente
user-created = Utente { $username } creato.
user-active = Attivo
user-disabled = Disattivato
user-disable = Disattiva { $username }
user-enable = Riattiva { $username }
municipalities-hint = Solo per il servizio sociale comunale: i comuni di cui vede i casi.
admin-tokens-title = Token API
admin-tokens-lead = I token permettono ad altri sistemi di usare l'API a nome di un utente. Si revocano in qualsiasi momento.
admin-tokens-table = Token emessi
admin-token-new = Nuovo token per un'integrazione
admin-token-create = Emetti il token
token-issued = Token emesso. Copiarlo ora: non sarà più mostrato.
token-revoke = Revoca { $name }
token-never-used = mai
token-live = Valido
token-revoked = Revocato
token-expired = Scaduto
token-kind-login = Accesso
token-kind-integration = Integrazione
admin-audit-title = Registro degli accessi
admin-audit-lead = Ogni lettura e modifica di dati personali e ogni evento di sicurezza. Il registro non si può modificare; anche le ricerche sono registrate.
admin-audit-search = Ricerca nel registro
admin-audit-table = Voci del registro, dalla più recente
person-access-title = Accessi a una persona
person-access-lead = Chi ha letto o modificato le schede in cui compare una persona, per rispondere al diritto di accesso dell'interessato. Cercare per codice fiscale o per parte del nome o dello pseudonimo; la ricerca stessa è registrata.
person-access-search = Ricerca di una persona
person-access-name = Nome o pseudonimo (almeno 3 caratteri)
person-access-persons = Schede in cui compare la persona
person-access-accesses = Letture e modifiche di queste schede, dalla più recente
person-access-none = Nessuna persona trovata negli Ambiti di competenza.
person-access-section = Sezione
person-access-truncated = Sono mostrate solo le voci più recenti: restringere la ricerca per vedere le precedenti.

audit-record-activations = Risorse attivate
audit-record-audit_log = Registro degli accessi
audit-record-ambito = Ambito
audit-record-siuss_flow = Flusso SIUSS
audit-record-budget = Bilancio
audit-record-local_holiday = Festività locale
audit-record-login_throttle = Blocco dei tentativi
audit-record-network = Rete e contatti
audit-record-notifications = Notifiche
audit-record-organisation = Organizzazione
audit-record-person = Persona
audit-record-report = Segnalazione
audit-record-reports = Segnalazioni
audit-record-resource = Risorsa
audit-record-role_settings = Impostazioni dei ruoli
audit-record-rota_entry = Schema dei turni
audit-record-route = Pagina
audit-record-service_closure = Chiusura del servizio
audit-record-service_hours = Orari del servizio
audit-record-shift = Turno
audit-record-shift_feed = Calendario personale dei turni
audit-record-shift_swap = Cambio turno
audit-record-stats = Statistiche
audit-record-token = Token
audit-record-user = Utente
audit-section-activations = risorse attivate
audit-section-siuss = impostazioni SIUSS
audit-section-activity = tabella delle attività
audit-section-dashboard = cruscotto
audit-section-diary = diario
audit-section-timeline = storia della segnalazione
audit-section-identity = dati anagrafici
audit-section-reserved_match = corrispondenza in una scheda riservata
audit-section-person_candidates = persone già note proposte all'accoglienza
audit-section-person_search = ricerca di persone
audit-section-person_duplicates = possibili doppioni
audit-section-dispatches = interventi
audit-section-field = vista di campo
audit-section-handovers = passaggi al servizio sociale
audit-section-hold_lapsed = posti tenuti scaduti
audit-section-limited = solo dati essenziali
audit-section-messages = messaggi del caso
audit-section-person = persona
audit-section-procedures = procedura speciale
audit-section-status_link = collegamento di stato per il segnalante
audit-reason-api = tramite API
audit-reason-role-added = ruolo aggiunto: { $role } ({ $ambito })
audit-reason-role-removed = ruolo tolto: { $role } ({ $ambito })
audit-reason-break_glass = accesso straordinario
audit-reason-locked = account o indirizzo bloccato
audit-reason-password = con password
audit-reason-recovery = con codice di recupero
audit-reason-reopened = riapertura
audit-reason-anonymised = anonimizzata
audit-reason-second_factor = codice di verifica errato
audit-reason-totp = con codice di verifica
audit-action-login_ok = Accesso riuscito
audit-action-login_failed = Accesso fallito
audit-action-lockout = Blocco per tentativi falliti
audit-action-logout = Uscita
audit-action-logout_everywhere = Uscita da tutti i dispositivi
audit-action-session_expired = Sessione scaduta
audit-action-token_issued = Token emesso
audit-action-token_revoked = Token revocato
audit-action-setup_completed = Configurazione iniziale
audit-action-user_created = Utente creato
audit-action-user_updated = Utente modificato
audit-action-user_disabled = Utente disattivato
audit-action-user_enabled = Utente riattivato
audit-action-role_changed = Ruolo modificato
audit-action-password_changed = Password cambiata
audit-action-password_reset = Password reimpostata
audit-action-organisation_created = Organizzazione creata
audit-action-organisation_updated = Organizzazione modificata
audit-action-access_denied = Accesso negato
audit-action-read = Lettura
audit-action-write = Modifica
audit-action-export = Esportazione
audit-action-break_glass = Accesso straordinario
audit-action-audit_searched = Ricerca nel registro
audit-action-second_factor_enrolled = Verifica in due passaggi attivata
audit-action-second_factor_reset = Verifica in due passaggi azzerata
audit-action-settings_changed = Impostazioni modificate
audit-action-audit_purged = Voci scadute rimosse dal registro

field-username = Nome utente
field-password = Password
field-password_confirm = Ripetere la password
field-initial_password = Password iniziale
field-organisation = Organizzazione
field-organisation_kind = Tipo di organizzazione
field-role = Ruolo
field-roles = Ruoli
field-municipalities = Comuni
field-state = Stato
field-actions = Azioni
field-kind = Tipo
field-channels = Canali
field-push = Notifica sul telefono
field-sms = SMS
field-channels-item = Scelta { $n }
field-created = Creato
field-expires = Scade
field-last_used = Ultimo uso
field-token_name = Nome del token
field-token_user = Utente
field-days = Validità (giorni)
field-actor = Utente
field-action = Azione
field-record = Scheda
field-record_type = Tipo di scheda
field-record_id = Identificativo
field-reason = Motivo
field-user = Utente (nome utente)
field-accept = Risposta all'invito
field-organisation_id = Organizzazione della rete
field-role_in_case = Ruolo nel caso
field-sections = Sezioni condivise
field-until = Fino al giorno
field-basis = Base giuridica della condivisione
field-consent = Come e quando è stato dato il consenso
field-client_ip = Indirizzo IP
field-seq = N.
field-when = Quando
field-from = Dal giorno
field-to = Al giorno

validation-password_too_short = { $field }: almeno 12 caratteri.
validation-password_common = { $field }: troppo facile da indovinare (comune, ripetitiva o contiene il nome utente).
validation-password_mismatch = { $field }: le due password non coincidono.
validation-unknown_role = { $field }: scegliere un ruolo dall'elenco.
validation-unknown_municipality = { $field }: comune non appartenente all'Ambito.
validation-unknown_organisation = { $field }: organizzazione sconosciuta.
validation-not_reporting_partner = { $field }: non è un ente della rete che segnala al servizio in questo Ambito.
validation-invalid_username = { $field }: da 3 a 40 caratteri tra lettere minuscole, cifre, punto, trattino e trattino basso.
validation-out_of_range = { $key ->
        [days] { $field }: valore fuori dall'intervallo ammesso (da 1 a 366).
        [weeks] { $field }: valore fuori dall'intervallo ammesso (da 1 a 8).
        [extra_days] { $field }: valore fuori dall'intervallo ammesso (da 0 a 6).
        [limit] { $field }: valore fuori dall'intervallo ammesso (da 1 a 500).
        [age] { $field }: un'età da 0 a 120 anni.
        [free] { $field }: un numero da 0 alla capacità della risorsa.
        [capacity] { $field }: un numero da 0 a 10.000.
        [tariff] { $field }: un importo in euro, per esempio 45,50.
        [end] { $field }: deve venire dopo l'inizio, al più 7 giorni dopo (per i periodi, al più 3 mesi).
        [to_year] { $field }: un anno tra il 1900 e il 2200, non prima dell'anno iniziale.
        [from_year] { $field }: un anno tra il 1900 e il 2200.
        [received_at] { $field }: una data dal 1° gennaio 2000 a oggi.
        [from] { $field }: un giorno dal 1° gennaio 2000 a dieci anni da oggi.
        [date] { $field }: un giorno dal 1° gennaio 2000 al 2200.
        [start] { $field }: un momento dal 1° gennaio 2000 al 2200.
        [to] { $field }: un giorno non prima dell'inizio del periodo e al più dieci anni da oggi.
        [amount] { $field }: un importo in euro, ad esempio 89.572,80.
        [at] { $field }: un momento da 90 giorni fa a un anno da oggi.
        [due] { $field }: un giorno da oggi a due anni da oggi.
        [rating] { $field }: un voto da 1 a 5.
       *[other] { $field }: valore fuori dall'intervallo ammesso.
    }
validation-invalid_date = { $field }: indicare una data nel formato AAAA-MM-GG.

## Verifica in due passaggi
code-title = Codice di verifica
code-lead = Aprire l'app di autenticazione sul telefono e inserire il codice di 6 cifre mostrato per Presidio.
code-hint = In alternativa, uno dei codici di recupero (per esempio abcde-fghjk): ognuno vale una sola volta.
code-submit = Verifica ed entra
code-cancel = Annulla ed esci
code-wrong = Codice non valido o già usato. Attendere il codice successivo e riprovare.
field-totp_code = Codice di 6 cifre
field-code_or_recovery = Codice di verifica
enrol-title = Verifica in due passaggi
enrol-required = Il proprio ruolo richiede la verifica in due passaggi: attivarla ora per continuare.
enrol-step-app = Installare sul telefono un'app di autenticazione (per esempio FreeOTP, Aegis, Google Authenticator o Microsoft Authenticator).
enrol-step-scan = Inquadrare il codice QR con l'app, oppure inserire a mano la chiave riportata sotto.
enrol-step-code = Scrivere qui il codice di 6 cifre che l'app mostra.
enrol-qr-label = Codice QR da inquadrare con l'app di autenticazione
enrol-secret-label = Chiave da inserire a mano:
enrol-submit = Attiva
enrol-done = Verifica in due passaggi attivata.
enrol-recovery-title = Codici di recupero
enrol-recovery-lead = Se il telefono si perde, ognuno di questi codici permette un accesso al posto del codice dell'app. Stamparli o scriverli e conservarli in un luogo sicuro: non saranno più mostrati.
enrol-continue = Continua
enrol-active = La verifica in due passaggi è attiva. Codici di recupero ancora validi: { $count }.
enrol-lost-phone = Chi perde il telefono e i codici di recupero chiede all'amministratore di azzerare la verifica in due passaggi, poi la attiva di nuovo.
validation-wrong_code = { $field }: codice non valido; controllare l'ora del telefono e riprovare con il codice successivo.
profile-2fa-on = attiva
profile-2fa-off = non attiva
profile-2fa-manage = gestisci
profile-channels-title = Come ricevere gli altri avvisi
profile-channels-help = Allerte di intervento, check-in mancati e solleciti arrivano sempre su tutti i canali che hai indicato qui sopra. Per gli altri avvisi scegli tu; senza scelta arrivano per e-mail.
profile-channels-save = Salva le scelte
message-kind-team = Inviti nelle équipe e compiti assegnati
message-kind-handover = Passaggi al servizio sociale in scadenza o scaduti
message-kind-follow_up = Esiti a 30 e 90 giorni da indicare
message-kind-summary = Riepilogo del mattino
message-kind-protocol = Protocolli in scadenza
profile-sms-title = SMS per le allerte
profile-sms-help = Le allerte e gli allarmi arrivano anche per SMS a questo numero, con il solo codice della segnalazione e un collegamento.
profile-sms-off = Questo Presidio non ha un servizio SMS configurato: il numero sarà usato quando l'amministratore lo configura.
profile-sms-save = Salva il numero
profile-push-title = Notifiche su questo dispositivo
profile-push-help = Con le notifiche attive, le allerte e gli allarmi arrivano anche come notifica sul telefono o sul computer, con il solo codice della segnalazione e un collegamento. Vanno attivate su ogni dispositivo.
profile-push-none = Nessun dispositivo riceve le notifiche.
profile-push-since = iscritto il { $since }
profile-push-remove = Togli { $label }
profile-push-add = Ricevi le notifiche su questo dispositivo
profile-push-label = Nome del dispositivo
profile-push-default-label = Telefono di servizio
field-push-offer = Questo telefono non riceve ancora le allerte come notifica, anche a schermo bloccato.
profile-push-denied = Il browser non ha il permesso di mostrare notifiche: consentile nelle impostazioni del sito e riprova.
profile-push-failed = L'iscrizione non è riuscita: riprova più tardi.
profile-password-title = Cambia password
profile-password-changed = Password cambiata. Le sessioni aperte su altri dispositivi sono state chiuse.
profile-password-submit = Cambia password
field-current_password = Password attuale
field-new_password = Nuova password
validation-wrong_password = { $field }: non corretta.
validation-password_unchanged = { $field }: deve essere diversa da quella attuale.
save = Salva
settings-saved = Impostazioni salvate.
admin-totp-title = Verifica in due passaggi obbligatoria
admin-totp-lead = Ruoli i cui utenti devono usare la verifica in due passaggi (chi non l'ha ancora attivata la attiva al prossimo accesso):
admin-users-back = ← Tutti gli utenti
admin-reset-password = Reimposta la password
admin-reset-password-lead = Per chi ha dimenticato la password: si sceglie una password iniziale da comunicare di persona o per telefono; le sessioni aperte dell'utente si chiudono. L'utente la cambia da «Il mio profilo».
admin-reset-password-submit = Reimposta la password
admin-reset-2fa = Azzera la verifica in due passaggi
admin-reset-2fa-lead = Per chi ha perso il telefono e i codici di recupero: l'utente dovrà attivarla di nuovo al prossimo accesso, se il suo ruolo la richiede.
admin-reset-2fa-submit = Azzera la verifica in due passaggi
user-password-reset = Password reimpostata; le sessioni dell'utente sono state chiuse e i suoi token (anche quelli di integrazione) revocati.
user-2fa-reset = Verifica in due passaggi azzerata.
role-add-title = Aggiungi un ruolo
role-add = Aggiungi il ruolo
role-remove = Togli il ruolo { $role }
role-added = Ruolo aggiunto. Vale dalla prossima richiesta dell'utente.
role-removed = Ruolo tolto. Vale dalla prossima richiesta dell'utente.
organisation-hint = Se resta vuoto, l'utente appartiene all'ente gestore dell'Ambito.
admin-organisations-title = Organizzazioni
admin-organisations-lead = Gli enti a cui appartengono gli utenti: l'ente gestore, la cooperativa, i servizi sociali dei comuni, le forze dell'ordine, l'ospedale. Nome e tipo si modificano direttamente nella tabella.
admin-organisations-table = Organizzazioni dell'Ambito
admin-organisation-new = Nuova organizzazione
admin-organisation-create = Crea l'organizzazione
organisation-users = { $count ->
    [one] 1 utente
   *[other] { $count } utenti
}
organisation-name-of = Nome di { $name }
organisation-kind-of = Tipo di { $name }
organisation-save = Salva { $name }
admin-user-state = Stato dell'account

## Segnalazioni: campi
field-received_at = Ricevuta alle
field-tapped_at = Ora sul telefono
field-channel = Canale
field-reporter_kind = Tipo di segnalante
field-reporter = Segnalante
field-organization = Ente
field-phone = Telefono
field-reference = Riferimento
field-municipality = Comune
field-at = Data e ora
field-place = Luogo
field-current_location = Dove si trovano ora
field-target_group = Destinatari
field-persons = Persone
field-persons-item = Persona { $n }
field-alias = Soprannome o alias
field-sex = Sesso
field-age = Età
field-age_band = Fascia d'età
field-citizenship = Cittadinanza
field-fiscal_code = Codice fiscale
field-language = Lingua
field-risk_flags = Situazioni di rischio
field-risk_flags-item = Situazione di rischio { $n }
field-description = Descrizione
field-outcome = Esito
field-not_pertinent_reason = Motivo di non pertinenza
field-redirected_to = Indirizzata a
field-rationale = Motivazione
field-criteria = Criteri
field-version = Versione
field-idempotency_key = Idempotency-Key
field-mobile = Cellulare per gli SMS
field-endpoint = Indirizzo del servizio push
field-keys = Chiavi del dispositivo
field-p256dh = Chiave pubblica del dispositivo
field-auth = Segreto del dispositivo
field-hours = Orari settimanali
field-approve = Approva
field-item = Elemento { $n }
field-hold_minutes = Minuti di blocco del posto
field-known_to_services = Già noto ai servizi
field-needs_mediator = Serve un mediatore
field-open = Solo aperte
field-overdue = Solo in ritardo
field-protected = Segnalazione riservata
field-totp = Codice di verifica
field-unread = Solo da leggere
field-up_to = Fino alla notifica
field-hours_version = Versione degli orari
field-status = Stato
validation-unknown_code = { $key ->
        [citizenship] { $field }: il codice di 2 lettere del paese (ISO 3166-1, ad esempio IT per Italia, MA per Marocco, UA per Ucraina).
       *[other] { $field }: valore non previsto; scegliere tra quelli dell'elenco.
    }
validation-in_future = { $field }: non può essere nel futuro.
validation-invalid_date_time = { $field }: indicare data e ora, ad esempio 2026-11-22T03:10:00+01:00 (o, nei file da importare, 2026-11-22 03:10, ora di Roma).
validation-too_many = { $field }: troppi elementi.
validation-invalid_fiscal_code = { $field }: codice fiscale non valido (16 caratteri con il carattere di controllo corretto, oppure 11 cifre).
validation-stale_version = { $field }: la scheda è stata modificata da un'altra persona; ricaricare.
validation-bad_transition = { $field }: passaggio di stato non consentito.
validation-wrong_type = { $field }: tipo di valore errato (ad esempio testo al posto di un numero).
validation-invalid_hours = { $field }: orario non valido; scrivere gli intervalli come 08:30-12:30, 14:00-17:00 (vuoto se chiuso).
validation-overlapping_hours = { $field }: gli intervalli si sovrappongono o si toccano; unirli in uno solo.
validation-no_free_places = { $field }: non ci sono abbastanza posti liberi in questa risorsa.
validation-invalid_email = { $field }: indirizzo e-mail non valido (ad esempio nome.cognome@ente.it).
validation-only_report = { $field }: è l'unica segnalazione di questa scheda; per cambiarne i dati usare «Correggi i dati».
validation-overlapping_shift = { $field }: questa persona ha già un turno con lo stesso ruolo in queste ore; modificare gli orari o togliere l'altro turno.
validation-invalid_phone = { $field }: un numero di telefono, con cifre ed eventualmente + iniziale, spazi o punti (ad esempio +39 333 123 4567 oppure 02 930 1111).
validation-unknown_field = Campo non previsto: «{ $field }». Toglierlo o controllarne il nome.
validation-control_character = { $field }: contiene un carattere di controllo non ammesso (ad esempio NUL); ammessi solo testo, tabulazioni e a capo.
validation-invalid_csv = { $field }: riga non leggibile; controllare virgolette e separatori, e che il file sia in UTF-8.
validation-too_short = { $key ->
        [name] { $field }: troppo breve; scrivere almeno 3 caratteri.
        [denominazione] { $field }: troppo breve; scrivere almeno 10 caratteri.
       *[other] { $field }: troppo breve; scrivere il motivo per esteso (almeno 10 caratteri).
    }
field-note = Nota
field-text = Testo
field-corrects = Voce corretta
field-limit = Numero di voci
field-offset = Posizione
field-body = Corpo della richiesta
notifications-title = Notifiche
notifications-lead = Avvisi per la coordinatrice o il coordinatore, come gli accessi straordinari alle segnalazioni protette, dal più recente. La lettura di questa pagina è registrata.
notifications-none = Nessuna notifica.
notifications-mark-read = Segna tutte come lette
notifications-new = Da leggere
notifications-open = Apri la segnalazione
board-unread = { $count ->
        [one] Una notifica da leggere
       *[other] { $count } notifiche da leggere
    }
notice-break-glass = { $name } ha aperto la segnalazione protetta { $code } con accesso straordinario. Motivo: { $reason }

## Segnalazioni: codici
channel-telefono = Telefono
channel-email = E-mail
channel-push = Notifica sul telefono
channel-sms = SMS
channel-pec = PEC
channel-portale = Portale
channel-di_persona = Di persona
reporter-kind-carabinieri = Carabinieri
reporter-kind-polizia_stato = Polizia di Stato
reporter-kind-polizia_locale = Polizia locale
reporter-kind-altre_forze_ordine = Altre forze dell'ordine
reporter-kind-pronto_soccorso = Pronto soccorso
reporter-kind-servizio_118 = Servizio 118
reporter-kind-servizi_sociali = Servizi sociali
reporter-kind-terzo_settore = Terzo settore
reporter-kind-cittadino = Cittadino
reporter-kind-altro = Altro
target-senza_dimora = Persone senza dimora
target-grave_emarginazione = Adulti o nuclei in grave emarginazione
target-msna = Minori stranieri non accompagnati
target-fragilita = Anziani o persone fragili senza rete
target-emergenza_abitativa = Emergenza abitativa (calamità, eventi straordinari)
target-violenza_genere = Donne vittime di violenza
target-altro = Altro
person-role-beneficiario = Beneficiario
person-role-familiare = Familiare
person-role-minore = Minore
person-role-accompagnatore = Accompagnatore
person-role-altro = Altro
sex-M = Maschio
sex-F = Femmina
sex-X = Non noto
age-band-0_5 = 0–5 anni
age-band-6_13 = 6–13 anni
age-band-14_17 = 14–17 anni
age-band-18_29 = 18–29 anni
age-band-30_64 = 30–64 anni
age-band-65_79 = 65–79 anni
age-band-80_plus = 80 anni e più
risk-pericolo_immediato = Pericolo immediato
risk-autore_presente = Autore della violenza presente
risk-minori_presenti = Minori presenti
risk-problema_sanitario = Problema sanitario (112/118)
risk-salute_mentale = Salute mentale
risk-sostanze = Sostanze
risk-animali = Animali
risk-mobilita_ridotta = Mobilità ridotta
status-received = Ricevuta
status-triaged = Valutata
status-redirected = Indirizzata altrove
status-advice = Consulenza data
status-handover_queued = Da trasmettere
status-operator_alerted = Operatore allertato
status-accepted = Presa dall'operatore
status-on_site = Operatore sul posto
status-remote = Gestita a distanza
status-resources_requested = Risorse richieste
status-resources_confirmed = Risorse confermate
status-placed = Persone collocate
status-intervention_closed = Intervento concluso
status-handover_sent = Trasmessa al servizio
status-handover_acknowledged = Presa in carico dal servizio
status-closed = Chiusa
outcome-non_pertinente = Non pertinente
outcome-urgenza = Urgenza
outcome-emergenza = Emergenza
outcome-none = Da valutare
npr-casistica = Per casistica (non sociale, fuori Ambito o fuori target)
npr-richiesta = Per richiesta (non appropriata o gestibile dal servizio ordinario)
criterion-pericolo_immediato = Pericolo immediato per la persona
criterion-nessuna_rete = Nessuna rete di supporto
criterion-minore_solo = Minore solo
criterion-senza_riparo_stanotte = Senza riparo per la notte
criterion-puo_attendere = Può attendere l'apertura del servizio
criterion-solo_sanitario = Solo sanitario (112/118)
criterion-solo_ordine_pubblico = Solo ordine pubblico
criterion-fuori_ambito = Fuori Ambito
diary-kind-nota = Nota
diary-kind-chiamata_effettuata = Chiamata effettuata
diary-kind-chiamata_ricevuta = Chiamata ricevuta
diary-kind-contatto_forze_ordine = Contatto con le forze dell'ordine
diary-kind-contatto_servizi = Contatto con i servizi
diary-kind-decisione = Decisione
board-title = Bacheca della Centrale
board-new = Nuova segnalazione
board-keys = Tasti: N nuova segnalazione, J e K per scorrere le segnalazioni, Invio per aprirla.
board-table = Segnalazioni aperte, dalla più grave e più attesa
board-code = Protocollo
board-waiting = In attesa da
board-assigned = Assegnata a
board-empty = Nessuna segnalazione aperta.
board-outside = Fuori Ambito
board-restricted = Riservata
board-wait-minutes = { $minutes } min
board-wait-hours = { $hours } h { $minutes } min
board-wait-days = { $days } g { $hours } h
intake-title = Nuova segnalazione
intake-lead = Si compila dall'alto in basso con la tastiera: Tab passa al campo successivo, Invio registra. I campi non noti si lasciano vuoti.
intake-call = Chiamata
intake-where = Luogo
intake-who = Destinatari e persone
intake-municipality-outside = Fuori dai comuni dell'Ambito (indicare il luogo)
intake-no-partner = Nessuno: non è un ente della rete
intake-partner-hint = Scelto l'ente, tipo di segnalante ed ente si compilano da soli.
intake-add-person = Aggiungi un'altra persona
intake-protected = Segnalazione riservata
intake-received-hint = Adesso, se non si cambia; si può scrivere GG/MM/AAAA HH:MM oppure solo l'ora (HH:MM).
intake-protected-hint = Solo chi la segue e il coordinamento vedono i dettagli. Le segnalazioni di violenza di genere e di minori stranieri non accompagnati sono sempre riservate.
intake-save = Registra la segnalazione
person-name = Nome e cognome (vuoto se sconosciuto)
person-unknown = Sconosciuto
person-mediator = Serve un mediatore
person-band-from-age = Dall'età indicata
person-citizenship-hint = Sigla di 2 lettere (IT, MA, UA…)
person-age = { $age } anni
report-title = Segnalazione { $code }
report-back = ← Bacheca
report-protected = Riservata
report-protected-yes = Sì: i dettagli sono visibili solo a chi la segue e al coordinamento
report-restricted = Segnalazione riservata: si vedono solo protocollo, comune e stato.
report-break-glass = Accesso straordinario
report-break-glass-lead = Per aprire la segnalazione serve un motivo scritto. L'accesso è registrato e il coordinamento ne è avvisato; vale 4 ore.
report-break-glass-submit = Apri con accesso straordinario
report-triage = Valutazione
report-triage-submit = Registra la valutazione
report-triaged = Valutata: { $outcome }
triage-suggestion = Suggerimento dalla lista: { $outcome }. La decisione resta dell'operatore.
triage-only-non-pertinent = Solo se non pertinente
report-move = Avanzamento
report-next-status = Prossimo stato
report-move-submit = Registra l'avanzamento
report-diary = Diario
report-diary-add = Nuova voce di diario
report-diary-submit = Aggiungi al diario
report-diary-empty = Nessuna voce.
report-history = Storia della segnalazione
intake-add-person-hint = Per un'altra persona: «Aggiungi un'altra persona», in fondo.

## Calendario del servizio

calendar-reason-open = Servizio sociale aperto: il PIS non è attivo.
calendar-reason-outside_hours = Fuori dall'orario del servizio sociale: il PIS è attivo.
calendar-reason-national = { $name } (festività nazionale): il PIS è attivo.
calendar-reason-local = { $name } (festività locale): il PIS è attivo.
calendar-reason-closure = Chiusura straordinaria del servizio ({ $reason }): il PIS è attivo.
holiday-capodanno = Capodanno
holiday-epifania = Epifania
holiday-pasqua = Pasqua
holiday-lunedi_dell_angelo = Lunedì dell'Angelo
holiday-liberazione = Festa della Liberazione
holiday-festa_del_lavoro = Festa del Lavoro
holiday-festa_della_repubblica = Festa della Repubblica
holiday-ferragosto = Ferragosto
holiday-san_francesco = San Francesco d'Assisi, patrono d'Italia
holiday-ognissanti = Ognissanti
holiday-immacolata = Immacolata Concezione
holiday-natale = Natale
holiday-santo_stefano = Santo Stefano
cli-calendar-refused = richiesta non valida
calendar-title = Calendario del servizio
calendar-lead = Per ogni comune e giorno, l'orario di apertura del servizio sociale: fuori da quell'orario, e nei giorni segnati «PIS tutto il giorno», il Pronto Intervento Sociale è attivo. Chi coordina l'Ambito modifica orari, festività locali e chiusure dal nome del comune.
calendar-months = Mesi
calendar-previous = ← Mese precedente
calendar-next = Mese successivo →
calendar-table = Apertura dei servizi sociali per giorno e comune
calendar-day = Giorno
calendar-cell-open = Aperto { $hours }
calendar-cell-all-day = PIS tutto il giorno
calendar-cell-all-day-because = PIS tutto il giorno · { $why }
calendar-edit-title = Calendario di { $name }
calendar-edit-status = Adesso: { $why } Fino al { $until }.
calendar-back = ← Torna al calendario
calendar-hours-title = Orario del servizio sociale
calendar-hours-lead = Un giorno per campo, con uno o più intervalli separati da virgola (per esempio 08:30-12:30, 14:00-17:00); vuoto se il servizio è chiuso. Il PIS è attivo fuori da questi orari.
calendar-hours-save = Salva l'orario
calendar-holidays-title = Festività locali
calendar-holidays-lead = Le feste del comune (per esempio il santo patrono) in cui il servizio sociale è chiuso, oltre alle festività nazionali. Indicare la fonte (delibera, statuto).
calendar-holiday-add = Aggiungi la festività
calendar-years = Validità
calendar-every-year = Ogni anno
calendar-from-year = Dal { $year }
calendar-to-year = Fino al { $year }
calendar-closures-title = Chiusure straordinarie
calendar-closures-lead = Scioperi, assemblee del personale, pomeriggi prefestivi: un giorno intero oppure dalle alle ore indicate. Sono elencate quelle dall'ultima settimana in poi.
calendar-closure-add = Aggiungi la chiusura
calendar-hours = Orario
calendar-all-day = Tutto il giorno
calendar-remove = Elimina { $what }
calendar-done-hours = Orario salvato.
calendar-done-holiday = Festività aggiunta.
calendar-done-closure = Chiusura aggiunta.
calendar-done-removed = Eliminato.
nav-calendar = Calendario
field-day = Giorno (MM-GG)
field-from_year = Dall'anno (facoltativo)
field-to_year = All'anno (facoltativo)
field-source = Fonte
field-date = Data
field-start = Dalle ore
field-end = Alle ore
field-lunedi = Lunedì
field-martedi = Martedì
field-mercoledi = Mercoledì
field-giovedi = Giovedì
field-venerdi = Venerdì
field-sabato = Sabato
field-domenica = Domenica

## Turni di reperibilità

roster-title = Turni di reperibilità
nav-roster = Turni
roster-role-centrale = Centrale
roster-role-pronto_intervento = Pronto intervento
roster-role-coordinatore_reperibile = Coordinatore reperibile
roster-span = dal { $start } al { $end }
roster-week = Settimana dal { $from } al { $to }
roster-weeks = Settimane
roster-previous = ← Settimana precedente
roster-next = Settimana successiva →
roster-now = Di turno adesso
roster-now-nobody = Nessuno è di turno in questo momento.
roster-gaps = Scoperture
roster-gaps-none = Nessuna scopertura in questa settimana: quando il PIS è attivo, ogni ruolo ha qualcuno di turno.
roster-cover = Copri ({ $role })
roster-shifts = Turni della settimana
roster-shifts-none = Nessun turno in questa settimana.
roster-when = Quando
roster-person = Persona
roster-remove = Elimina il turno di { $who }
roster-add-title = Nuovo turno
roster-add = Aggiungi il turno
roster-start = Inizio del turno
roster-end = Fine del turno
roster-done-added = Turno aggiunto.
roster-done-removed = Turno eliminato.
board-on-call = Di turno adesso
board-gaps = { $count ->
        [one] Una scopertura nei turni delle prossime due settimane
       *[other] { $count } scoperture nei turni delle prossime due settimane
    }
field-user_id = Persona di turno
feed-name = Turni PIS di { $name }
feed-summary = Turno PIS: { $role }
feed-description = Telefono del turno: { $phone }
roster-feed-title = I miei turni nel calendario del telefono
roster-feed-lead = Un indirizzo segreto che l'app calendario del telefono può seguire («iscriviti a un calendario»): mostra i propri turni, senza altri dati. Chi ha l'indirizzo vede i turni: se lo si perde, crearne uno nuovo disattiva il precedente.
roster-feed-on = Il collegamento è attivo.
roster-feed-off = Nessun collegamento attivo.
roster-feed-create = Crea un nuovo collegamento
roster-feed-revoke = Disattiva il collegamento
roster-feed-created = Copiare ora questo indirizzo nell'app calendario: per sicurezza non sarà più mostrato.
roster-feed-address = Indirizzo del calendario
roster-done-feed-revoked = Collegamento disattivato.
rota-title = Schema settimanale dei turni
rota-lead = I turni che si ripetono ogni settimana. «Genera i turni» li trasforma in turni veri per le settimane scelte, senza doppioni; poi si possono correggere uno per uno.
rota-back = ← Torna ai turni
rota-table = Righe dello schema settimanale
rota-empty = Lo schema è vuoto.
rota-remove = Elimina la riga di { $what }
rota-add-title = Nuova riga dello schema
rota-add = Aggiungi la riga
rota-weekday = Giorno di inizio
rota-end-later = { $time } { $days ->
        [one] del giorno dopo
       *[other] di { $days } giorni dopo
    }
rota-generate-title = Genera i turni
rota-generate-lead = Crea i turni dello schema a partire dalla settimana del giorno indicato; quelli già presenti non si duplicano.
rota-generate-from = Dalla settimana del giorno
rota-generate = Genera i turni
rota-done-added = Riga aggiunta.
rota-done-removed = Riga eliminata.
field-extra_days = Giorni in più prima della fine (per esempio 2 da venerdì sera a lunedì mattina)
field-weeks = Numero di settimane (da 1 a 8)
field-to_user_id = Collega che prende il turno
swap-title = Chiedi un cambio turno
swap-lead = Il coordinamento riceve la richiesta e, se l'approva, il turno passa al collega.
swap-submit = Invia la richiesta
roster-swap = Chiedi un cambio
roster-swaps = Richieste di cambio turno
roster-swap-line = { $from } chiede che { $to } prenda il turno { $shift }. Motivo: { $note }
roster-approve = Approva
roster-refuse = Rifiuta
roster-rota-link = Schema settimanale e generazione dei turni
roster-done-generated = Turni generati dallo schema: { $count }.
roster-done-swap = Richiesta di cambio inviata al coordinamento.
roster-done-decided = Richiesta di cambio decisa.
field-weekday = Giorno di inizio

## Risorse

resources-title = Risorse e posti liberi
nav-resources = Risorse
resources-board = Posti letto liberi
resources-board-empty = Nessuna struttura con posti letto registrata.
resources-free-of = { $free } liberi su { $capacity }
resources-table = Risorse dell'Ambito
resources-empty = Nessuna risorsa registrata.
resources-free = Posti o unità liberi
resources-free-label = Liberi a { $name }
resources-update = Aggiorna
resources-updated = aggiornato il { $when } da { $who }
resources-never-updated = mai aggiornato
resources-address-hidden = Indirizzo riservato
resources-add-title = Nuova risorsa
resources-add = Aggiungi la risorsa
resources-done-added = Risorsa aggiunta.
resources-done-updated = Posti liberi aggiornati.
field-address = Indirizzo
field-provider = Gestore
field-confidentiality = Riservatezza dell'indirizzo
field-capacity = Capacità
field-unit = Unità
field-contact = Contatto 24 ore
field-tariff = Tariffa per notte o unità (euro)
field-notes = Note
field-free = Posti liberi
resource-kind-dormitorio = Dormitorio o accoglienza notturna
resource-kind-albergo = Albergo convenzionato
resource-kind-comunita_minori = Comunità di prima accoglienza per minori
resource-kind-centro_antiviolenza = Centro antiviolenza
resource-kind-casa_rifugio = Casa rifugio (struttura protetta)
resource-kind-mediazione = Mediazione linguistico-culturale
resource-kind-trasporto = Trasporto e accompagnamento
resource-kind-beni_primari = Beni di prima necessità
resource-kind-contributo_economico = Contributo economico
resource-level-pubblico = Visibile a tutti
resource-level-riservato = Solo operatori e coordinamento
resource-level-protetto = Solo coordinamento (struttura protetta)
resource-unit-posti_letto = posti letto
resource-unit-unita = unità
field-places = Posti
field-nights = Notti o unità
field-resource_id = Risorsa
activations-title = Risorse attivate
activations-none = Nessuna risorsa attivata.
activations-hold = Prenota e tieni il posto
activation-line = { $resource }: { $status } · posti { $places } · notti o unità { $nights } · { $cost }
activation-line-held = { $resource }: { $status } · posti { $places } · notti o unità { $nights } · { $cost } (tenuto fino al { $until })
activation-resource = { $name } ({ $unit ->
        [posti_letto] { $free ->
            [one] 1 posto libero
           *[other] { $free } posti liberi
        }
       *[other] { $free ->
            [one] 1 disponibile
           *[other] { $free } disponibili
        }
    })
activation-held = tenuto
activation-confirmed = confermato
activation-started = in corso
activation-ended = concluso
activation-cancelled = annullato
activation-to-confirmed = Conferma
activation-to-started = Inizia
activation-to-ended = Concludi
activation-to-cancelled = Annulla
budget-title = Bilancio delle risorse
budget-lead = Il budget dell'Ambito per il periodo, la spesa delle risorse attivate (confermate, in corso o concluse) e la previsione a fine periodo se la spesa continua come finora.
budget-none = Nessun budget impostato.
budget-period = Periodo
budget-amount = Budget
budget-spent = Spesa finora
budget-left = Ancora disponibile
budget-forecast = Spesa prevista a fine periodo
budget-over = Con questo ritmo la spesa supera il budget prima della fine del periodo.
budget-set = Imposta il budget
budget-from = Dal giorno
budget-to = Al giorno compreso
budget-save = Salva il budget
budget-saved = Budget salvato.
resources-budget-link = Bilancio delle risorse
field-amount = Importo (euro)
activation-protected-shelter = Struttura protetta tramite CAV

## Intervention: dispatch, field view, lone-worker check-in, special procedures
field-step = Passo
field-operator_id = Operatore
field-persons_met = Persone incontrate
field-assessment = Valutazione
field-done_at = Quando
field-done_by = Chi
field-protocol = Numero di protocollo
field-alert_email = E-mail per gli avvisi
dispatch-stage-alerted = Allertato
dispatch-stage-acknowledged = Preso in carico
dispatch-stage-departed = In viaggio
dispatch-stage-on_site = Sul posto
dispatch-stage-remote = Solo da remoto
dispatch-stage-ended = Intervento concluso
dispatch-stage-cancelled = Allerta ritirata
dispatch-stage-since = { $stage } da { $since }
dispatch-stage-at = { $stage } dal { $at }
dispatch-step-acknowledge = Ricevuto, me ne occupo
dispatch-step-depart = Parto ora
dispatch-step-arrive = Arrivato sul posto
dispatch-step-remote = Gestisco da remoto
dispatch-step-check_in = Check-in: tutto bene
dispatch-step-assess = Registra la valutazione
dispatch-step-end = Concludi l'intervento
dispatch-step-cancel = Ritira l'allerta
dispatch-alarm-text = Check-in mancato: { $operator } sul posto per { $code } non ha confermato di stare bene.
dispatch-alarm-row = Check-in mancato
escalation-board-no_ack-coordinator = Allerta { $code } senza conferma: nessun operatore reperibile ha risposto (ultimo: { $operator }, dopo { $minutes } min). Avvisato il coordinatore reperibile.
escalation-board-no_ack-nobody = Allerta { $code } senza conferma: { $operator } non ha risposto in { $minutes } min e non c'è un altro reperibile.
escalation-board-no_ack-operator = Allerta { $code } passata al reperibile successivo.
escalation-board-check_in-nobody = Check-in ancora mancante di { $operator } ({ $code }): nessun collega reperibile da inviare.
escalation-no_ack-operator = Nessuna conferma: allerta passata a { $to }
escalation-no_ack-coordinator = Nessuna conferma dai reperibili: avvisato il coordinatore { $to }
escalation-no_ack-nobody = Nessuna conferma e nessun altro reperibile: avvisato il coordinamento
escalation-check_in-operator = Check-in ancora mancante: avvisato il collega { $to }
escalation-check_in-nobody = Check-in ancora mancante: nessun collega reperibile
escalation-alarm = Allarme: check-in mancato
board-offline-arrival = Dal campo, senza rete: { $code } · { $what } alle { $at } (ora del telefono; ricevuto alle { $received })
dispatch-tapped-offline = { $at } (ora del telefono, senza rete; ricevuto alle { $received })
dispatch-title = Intervento sul posto
dispatch-none = Nessun operatore allertato.
dispatch-alert = Allerta l'operatore
dispatch-on-call = Operatore di turno ({ $name })
dispatch-operator-choice = Scegli un altro operatore
dispatch-check-in-due = Prossimo check-in entro le { $time }
dispatch-check-in-missed = Check-in scaduto alle { $time }: l'allarme è stato inviato al coordinamento.
dispatch-timeline = Tempi dell'intervento
dispatch-mine-row = Sei stato allertato per { $code }: apri la vista di campo
board-dispatch = Intervento
field-view-title = Vista di campo
pwa-name = Presidio · Pronto Intervento Sociale
field-offline-pending-one = 1 azione in attesa di invio: partirà da sola quando torna la rete.
field-offline-pending-many = { "{n}" } azioni in attesa di invio: partiranno da sole quando torna la rete.
field-offline-now = Senza rete: quello che registri resta sul telefono.
field-offline-conflict = Non inviata: l'intervento è cambiato nel frattempo (ora: { "{current}" }). Scegli se inviarla di nuovo o scartarla.
field-offline-refused = Non inviata: { "{message}" }
field-offline-discard = Scarta
field-offline-retry = Invia di nuovo
field-offline-tapped = ora del telefono { "{time}" }
field-view-none = Nessun intervento in corso per te.
field-view-open-case = Apri la scheda completa
field-view-call-reporter = Chiama chi ha segnalato
field-view-diary = Nota veloce nel diario
field-view-diary-save = Salva la nota
field-view-resources = Cerca una risorsa
field-view-resources-search = Nome, tipo o comune
field-view-hold = Blocca un posto
field-view-hold-for = Blocca un posto per { $code }: { $name }
field-view-resources-for = Risorse per { $code }
field-view-resources-none = Nessuna risorsa con posti liberi corrisponde alla ricerca.
field-view-free = { $unit ->
        [posti_letto] { $free ->
            [one] 1 posto libero
           *[other] { $free } posti liberi
        }
       *[other] { $free ->
            [one] 1 disponibile
           *[other] { $free } disponibili
        }
    }
field-view-place = Luogo
procedure-title = Procedura speciale
procedure-procura_minori = Comunicazione alla Procura presso il Tribunale per i minorenni
procedure-tribunale_minori = Comunicazione al Tribunale per i minorenni
procedure-ministero_lavoro = Comunicazione al Ministero del Lavoro (censimento MSNA)
procedure-colloquio_mediatore = Colloquio con il mediatore culturale
procedure-collocamento_comunita = Collocamento in comunità
procedure-contatto_cav = Contatto con il Centro antiviolenza
procedure-collocamento_cav = Collocamento in struttura protetta tramite CAV
procedure-state-done = Fatto
procedure-state-pending = Da fare
procedure-state-overdue = In ritardo
procedure-due = entro le { $time }
procedure-record = Registra
procedure-done-by-at = { $by }, { $at }
procedure-protocol = prot. { $protocol }
mail-alert-subject = Presidio: allerta per la segnalazione { $code }
mail-alert-body = Sei stato allertato per la segnalazione { $code }.
    Apri la vista di campo: { $link }
    (Per riservatezza questo messaggio non contiene dati personali.)
mail-anchor-subject = Presidio: ancora del registro degli accessi (voce { $seq })
mail-anchor-body = Ancora del registro degli accessi di Presidio, da conservare.
    Voce: { $seq }
    Impronta (SHA-256): { $hash }
    Scritta il: { $at }
    Servirà a verificare, con «presidio audit verify --anchors», che il registro non sia stato riscritto.
mail-escalation-no-ack-subject = Presidio: allerta senza risposta ({ $code })
mail-escalation-no-ack-body = Nessun operatore reperibile ha confermato l'allerta per la segnalazione { $code }.
    Verifica subito: { $report }
mail-escalation-check-in-subject = Presidio: collega senza check-in ({ $code })
mail-escalation-check-in-body = Un collega sul posto per la segnalazione { $code } non ha fatto il check-in previsto; il coordinamento è avvisato. Verifica se puoi raggiungerlo.
    Apri la segnalazione: { $report }
mail-alarm-subject = Presidio: check-in mancato ({ $code })
mail-alarm-body = Un operatore sul posto per la segnalazione { $code } non ha fatto il check-in previsto.
    Verifica subito: { $report }
    (Per riservatezza questo messaggio non contiene dati personali.)
profile-alert-email = E-mail per gli avvisi
profile-alert-email-help = Qui ricevi le allerte e gli allarmi (solo un link, nessun dato personale). Lascia vuoto per non riceverle.
profile-alert-email-save = Salva l'indirizzo
nav-field = Campo

## Handover to the municipal social service
handover-title = Passaggio al servizio sociale
handover-none = Non ancora inviata al servizio sociale.
handover-send = Invia al servizio sociale di { $municipality }
handover-timing = Inviato il { $sent }, da prendere in carico entro il { $due }
handover-overdue = In ritardo
handover-status-sent = In attesa di presa visione
handover-status-acknowledged = Presa visione
handover-status-taken_in_charge = Presa in carico
handover-status-not_competent = Non competente: restituita al coordinamento
handover-status-closed = Chiusa dal servizio
handover-to-acknowledged = Presa visione
handover-to-taken_in_charge = Presa in carico
handover-to-not_competent = Non di nostra competenza
handover-to-closed = Chiudi con motivo
handover-acknowledged-by = Presa visione: { $by }, { $at }
handover-answered-by = { $outcome }: { $by }, { $at }
handover-returned-notice = Passaggio { $code } restituito dal servizio sociale di { $municipality }: non competente. Da inviare al servizio giusto.
handover-overdue-notice = Passaggio { $code } al servizio sociale di { $municipality } non preso in carico entro la scadenza.
handover-list-title = Passaggi ai servizi sociali
handover-list-empty = Nessun passaggio in attesa.
handover-sheet = Scheda di passaggio
handover-board = Passaggio in ritardo
handover-messages = Messaggi tra PIS e servizio sociale
handover-messages-empty = Nessun messaggio.
handover-message-send = Invia il messaggio

field-message = Messaggio
nav-handovers = Passaggi
mail-handover-reminder-subject = Presidio: passaggio { $code } da prendere in carico ({ $municipality })
mail-handover-reminder-body = Il passaggio della segnalazione { $code } al servizio sociale di { $municipality } attende ancora la presa visione ed è scaduto.
    Apri i passaggi: { $link }
    (Per riservatezza questo messaggio non contiene dati personali.)
mail-handover-overdue-subject = Presidio: passaggio { $code } in ritardo ({ $municipality })
mail-handover-overdue-body = Il servizio sociale di { $municipality } non ha ancora preso visione del passaggio { $code }, nonostante il promemoria.
    Verifica: { $report }
    (Per riservatezza questo messaggio non contiene dati personali.)
board-handover-late = Passaggio in ritardo: { $code } al servizio sociale di { $municipality }, scaduto il { $due }
board-handover-late-service = Da prendere in carico, in ritardo: { $code } ({ $municipality }), scaduto il { $due }
board-handover-waiting = Da prendere in carico: { $code } ({ $municipality }) entro il { $due }
sheet-title = Scheda di passaggio { $code }
sheet-subtitle = { $outcome } · { $status } · stampata il { $at }
sheet-none = Nulla da segnalare.
sheet-report = Segnalazione
sheet-triage = Valutazione
sheet-open = Bisogni aperti e comunicazioni da fare
sheet-handover = { $status } · inviato il { $sent }, scadenza { $due }
sheet-back = Torna alla segnalazione
sheet-pdf = Scarica il PDF

## Closing and reopening a case
field-closing_outcome = Esito della chiusura
field-reopen_reason = Motivo della riapertura
closing-outcome-hint = Solo per chiudere la segnalazione.
closing-outcome-placed = Persona accolta o collocata
closing-outcome-returned_home = Rientrata a casa
closing-outcome-refused_help = Ha rifiutato l'aiuto
closing-outcome-referred = Inviata ad altro servizio
closing-outcome-no_action_needed = Nessun intervento necessario
report-closed-with = Chiusa: { $outcome }
report-reopened = Riaperta
report-reopen = Riaprire la segnalazione
report-reopen-submit = Riapri

## Closing the loop with the reporter
reporter-stage-received = Ricevuta
reporter-stage-in_progress = In lavorazione
reporter-stage-handed_over = Passata al servizio sociale del comune
reporter-stage-closed = Chiusa
status-link-title = Link di stato per { $code }
status-link-lead = Leggete o inviate questo indirizzo a chi ha segnalato: mostra solo il codice, quando è arrivata la segnalazione e a che punto è, senza dati personali.
status-link-once = L'indirizzo è mostrato solo ora; crearne uno nuovo disattiva questo.
status-link-make = Link di stato per chi ha segnalato
status-public-title = Stato della segnalazione
status-public-note = Per riservatezza qui non compare nessun dato delle persone coinvolte. Per informazioni chiamate la Centrale Operativa.

## Morning summary
summary-title = Riepilogo del mattino
nav-summary = Riepilogo
summary-period = Dal { $from } al { $to }
summary-hours = Ore da considerare
summary-show = Mostra
summary-counts = Segnalazioni per esito della valutazione
summary-count = Numero
summary-closed = Casi chiusi, per esito
summary-none = Nessuna.
summary-none-closed = Nessuno.
summary-gaps = Turni scoperti
summary-gap-count = { $count ->
        [0] Nessuna scopertura nelle prossime due settimane.
        [one] 1 scopertura nelle prossime due settimane
       *[other] { $count } scoperture nelle prossime due settimane
    }
summary-handovers = Passaggi in attesa
summary-handover-count = { $waiting ->
        [one] 1 passaggio in attesa
       *[other] { $waiting } passaggi in attesa
    }, { $late } in ritardo.
summary-reports = Segnalazioni del periodo
mail-summary-subject = Presidio: riepilogo del mattino
mail-summary-body = Nelle ultime 24 ore: { $reports } segnalazioni, di cui { $emergencies } emergenze e { $urgencies } urgenze.
    Passaggi ai servizi sociali in attesa: { $waiting }, in ritardo: { $late }.
    Formazione richiesta mancante o in scadenza: { $training }.
    Il riepilogo completo: { $link }
    (Per riservatezza questo messaggio non contiene dati personali.)
mail-summary-service-body = Passaggi dal Pronto Intervento Sociale in attesa per il servizio sociale di { $municipality }: { $waiting }, in ritardo: { $late }.
    Apri i passaggi: { $link }
    (Per riservatezza questo messaggio non contiene dati personali.)

## Statistics: the activity report (the first rows and labels are the published table's)
stats-title = Dati dell'attività
nav-stats = Statistiche
stats-caption = Dati dell'attività del periodo scelto: prima le righe della tabella pubblicata, poi gli altri dettagli
stats-period-head = Periodo scelto
stats-total = Tot.
activity-reports = Numero segnalazioni
activity-of-which = di cui:
activity-not-pertinent = Non pertinenti per casistica o richiesta
activity-urgencies = Valutate come urgenze
activity-emergencies = Valutate come emergenza
activity-emergencies-about = Emergenze che hanno riguardato:
activity-calamities = calamità o altri eventi emergenziali
activity-adults-homeless = adulti in difficoltà e/o senza dimora
activity-msna = minori stranieri non accompagnati
activity-violence = donne vittime di violenza, sole o con figli
activity-frail = anziani e persone fragili senza rete
activity-other = altro
activity-not-pertinent-case = non pertinenti per casistica
activity-not-pertinent-request = non pertinenti per richiesta
activity-untriaged = segnalazioni non ancora valutate

## Historical import
import-rationale = Importata dallo storico
import-error = Riga { $line }: { $message }
import-done = Importate { $added } segnalazioni ({ $known } già presenti).
import-dry-run = Prova: si importerebbero { $added } segnalazioni ({ $known } già presenti); nulla è stato scritto.
import-refused = File rifiutato: { $count ->
        [one] 1 errore
       *[other] { $count } errori
    }, nessuna segnalazione importata.
import-title = Importare lo storico delle segnalazioni
import-lead = Un file CSV (separato da ; o da ,) con una riga di intestazione e queste colonne. Il file è controllato per intero: con un errore non si importa nulla. Le righe già importate sono saltate.
import-dry-run-label = Solo prova: controlla e conta, senza scrivere
import-submit = Importa
import-link = Importare lo storico
field-file = File CSV
stats-csv = Scarica la tabella (CSV per fogli di calcolo)
stats-pdf = Scarica il PDF per l'Ufficio di Piano
stats-pdf-title = Pronto Intervento Sociale: dati dell'attività dal { $from } al { $to }
stats-pdf-made = Prodotto da Presidio il { $at }

## Planning dashboard
dashboard-title = Cruscotto per la programmazione
dashboard-link = Cruscotto per la programmazione (grafici, mappa, tempi di risposta)
dashboard-activity-link = Tabella dell'attività
dashboard-lead = Le cifre del periodo scelto, per mese, comune, chi segnala, destinatari, fascia oraria, tempi di risposta e accoglienze. Ogni grafico è seguito dalla tabella con gli stessi numeri.
dashboard-suppressed = Per riservatezza, i numeri inferiori a 5 che riguardano gruppi protetti (minori stranieri non accompagnati, donne vittime di violenza, strutture protette) sono indicati come «<5».
dashboard-csv = Scarica tutte le tabelle (CSV per fogli di calcolo)
dashboard-xlsx = Scarica tutte le tabelle (Excel, XLSX)
dashboard-chart-label = Grafico: { $title }. I dati sono nella tabella che segue.
dashboard-months = Andamento per mese
dashboard-month = Mese
dashboard-reports = Segnalazioni
dashboard-not-pertinent = Non pertinenti
dashboard-urgencies = Urgenze
dashboard-emergencies = Emergenze
dashboard-municipalities = Segnalazioni per comune e ogni 1.000 abitanti
dashboard-municipality = Comune
dashboard-population = Abitanti
dashboard-per-thousand = Ogni 1.000 abitanti
dashboard-no-municipality = Comune non indicato
dashboard-map-attribution = Confini: ISTAT, elaborazione openpolis (CC BY 4.0)
dashboard-map-legend = Colore del comune: più scuro, più segnalazioni ogni 1.000 abitanti
dashboard-map-none = Nessun dato
dashboard-reporters = Chi segnala
dashboard-reporter = Segnalante
dashboard-partners = Enti della rete che segnalano
dashboard-partner = Ente della rete
dashboard-no-partner = Nessuna segnalazione da un ente della rete nel periodo
dashboard-groups = Destinatari
dashboard-bands = Fascia oraria di arrivo
dashboard-band = Fascia oraria
time-band-giorno_feriale = Giorno feriale (8–20)
time-band-sera = Sera feriale (20–24)
time-band-notte = Notte feriale (0–8)
time-band-fine_settimana = Sabato e domenica
time-band-festivo = Festività nazionale
dashboard-response = Tempi di risposta
dashboard-step = Dall'arrivo della segnalazione…
dashboard-cases = Casi
dashboard-median = Mediana (minuti)
dashboard-p90 = 90° percentile (minuti)
dashboard-to-triage = …alla valutazione
dashboard-to-on-site = …all'operatore sul posto
dashboard-to-placement = …alla conferma di un'accoglienza
dashboard-bookings = Accoglienze: notti e costi
dashboard-resource = Risorsa
dashboard-activations = Attivazioni
dashboard-nights = Notti (posti × notti)
dashboard-cost = Costo
dashboard-total = Totale

## Portale dei segnalanti
nav-portal = Le segnalazioni inviate
portal-title = Le segnalazioni inviate
portal-lead = Le segnalazioni che { $organisation } ha inviato alla Centrale Operativa del Pronto Intervento Sociale, e a che punto sono.
portal-list = Segnalazioni inviate
portal-empty = Nessuna segnalazione inviata finora.
portal-stage = A che punto è
portal-pages = Pagine dell'elenco
portal-previous = Più recenti
portal-next = Meno recenti
portal-note = Per ragioni di riservatezza il portale mostra solo a che punto è ogni segnalazione: ricevuta, in lavorazione, passata al servizio sociale del comune, chiusa. La valutazione e gli interventi restano alla Centrale.
portal-sent = Segnalazione { $code } inviata: la Centrale Operativa l'ha ricevuta e, se serve, richiama il numero indicato.
portal-new-title = Nuova segnalazione
portal-new-lead = Una segnalazione di { $organisation } alla Centrale Operativa. Bastano cosa succede, dove, chi riguarda e un numero per richiamarvi: il resto lo chiede l'operatore.
portal-description-hint = Ad esempio: uomo senza dimora al freddo, sdraiato sotto la pensilina; non vuole lasciare il cane.
portal-field-description = Cosa succede
portal-field-municipality = Comune
portal-field-place = Dove (via, stazione, punto di riferimento)
portal-field-target_group = Chi riguarda
portal-field-person_name = Nome della persona, se noto
portal-who-sends = Chi segnala
portal-field-reporter_kind = Ente
portal-field-reporter_name = Nome di chi segnala
portal-field-reporter_phone = Numero per richiamarvi
portal-field-reporter_reference = Vostro riferimento (ad esempio n. di verbale)
portal-send = Invia alla Centrale
portal-cancel = Annulla
portal-urgent-note = Per un pericolo immediato per la vita o la salute chiamare il 112: la Centrale Operativa del PIS si occupa dell'emergenza sociale.
portal-report-title = Segnalazione { $code }
portal-received = Ricevuta il { $when }.
portal-step-done = Fatto:
portal-what-sent = Quanto inviato
portal-report-note = Il testo è quello inviato alla Centrale; la valutazione, gli interventi e i dati raccolti dopo non sono mostrati.
portal-back = Torna alle segnalazioni inviate
audit-section-sent = quanto inviato dal segnalante
audit-section-export = dati della persona (estrazione per il diritto di accesso)
audit-section-retention = conservazione: anonimizzazione

## Persons across reports
nav-persons = Persone
persons-title = Persone
persons-lead = La stessa persona attraverso le segnalazioni: cercare per nome, soprannome, codice fiscale o anno di nascita. Si vedono solo le persone delle segnalazioni che si possono leggere.
persons-search-label = Nome, soprannome, codice fiscale o anno di nascita
persons-search-hint = L'ordine dei nomi, gli accenti e un errore di battitura non contano.
persons-search-submit = Cerca
persons-none = Nessuna persona trovata tra quelle che si possono leggere.
persons-results = Persone trovate
person-title = Persona: { $name }
person-reserved-title = Persona in una scheda riservata
person-back = Torna alla ricerca delle persone
person-reserved-match = Possibile corrispondenza in una scheda riservata: rivolgersi al coordinamento
person-reserved-match-hint = Non si può scegliere da qui: il coordinamento sa a chi corrisponde.
person-born = nato/a nel { $year }
person-reports-count = { $n ->
    [one] una segnalazione
   *[other] { $n } segnalazioni
}
person-last-seen = ultima il { $date }
person-score = somiglianza { $score }%
person-safety-title = Avvertenze per chi interviene
person-safety-short = Avvertenze:
person-safety-hint = Ciò che ogni operatore deve sapere prima di incontrare la persona (un cane aggressivo, un partner violento nei paraggi, serve un interprete). Compare in cima a ogni segnalazione che la nomina.
person-identity = Dati anagrafici
person-names = Nomi e soprannomi
person-name-kind-name = nome
person-name-kind-alias = soprannome
person-name-from-report = dalla segnalazione { $code }
person-name-source-segnalazione = da una segnalazione
person-name-source-correzione = corretto nella scheda
person-record = Scheda persona n. { $id }
person-timeline = Percorso attraverso le segnalazioni
person-timeline-none = Nessuna segnalazione leggibile.
person-timeline-reserved = segnalazione riservata: si apre solo dalla segnalazione stessa, con accesso straordinario motivato.
person-placement = { $resource }: { $status }, { $nights ->
    [one] una notte o unità
   *[other] { $nights } notti o unità
}
person-handover = Passata a { $service }: { $status }
person-links = Collegamenti con altre schede della stessa persona
person-links-none = Nessun collegamento.
person-link-undone = Collegamento annullato il { $date }. Motivo: { $reason }
person-unlink-reason = Motivo dell'annullamento
person-unlink = Annulla il collegamento
person-duplicates = Possibili doppioni
person-duplicates-none = Nessun'altra scheda somigliante.
person-link-to = Collega a { $name }
person-link-reason = Perché è la stessa persona
person-link = Collega le schede
person-correct = Correggi i dati
person-correct-submit = Salva le correzioni
person-corrected = Correzioni salvate: i dati precedenti restano nello storico.
person-corrections = Storico delle correzioni
export-title = Dati personali di { $name }
export-subtitle = Tutto ciò che Presidio conserva sulla persona, estratto il { $at }
export-report = Segnalazione { $code }
export-outcome = Esito della valutazione
export-placement = Risorsa attivata
export-handover = Passaggio al servizio sociale
person-access-export = Dati della persona
person-access-export-pdf = PDF
person-access-export-json = JSON
person-detach-summary = Non è questa persona?
person-detach-reason = Perché la persona della segnalazione è un'altra
person-detach = Stacca { $code } da questa scheda
person-detached = La persona della segnalazione ha ora una scheda sua; lo storico delle correzioni lo registra.
field-detached_report = Segnalazione staccata
field-detach_reason = Motivo
field-report_id = Segnalazione
person-correction-at = Quando
person-correction-field = Dato
person-correction-previous = Prima
person-correction-value = Dopo
value-none = Non indicato
value-yes = Sì
value-no = No
intake-known-legend = Già noto al servizio?
intake-known-count = { $n ->
    [0] Nessuna persona somigliante.
    [one] Una persona somigliante.
   *[other] { $n } persone somiglianti.
}
intake-known-new = Persona nuova
intake-known-none = Nessuna persona somigliante tra quelle già note.
report-safety-title = Avvertenze per chi interviene
report-person-record = scheda della persona
field-birth_date = Data di nascita
field-birth_year = Anno di nascita
field-birth_place = Luogo di nascita (codice catastale)
field-languages = Lingue
field-residence = Comune di residenza (codice ISTAT)
field-contacts = Recapiti
field-contacts-item = Recapito { $n }
field-label = Nome del recapito
field-pec = PEC
field-email = E-mail
field-answers = Quando risponde
field-referent = Referente
field-referent_role = Ruolo del referente
field-availability = Disponibilità
field-title = Titolo
field-ends_on = Ultimo giorno
field-mode = Modalità
field-topics = Argomenti
field-summary = Sintesi delle clausole operative
field-document = Documento firmato (PDF, al massimo 10 MB)
field-parties = Enti firmatari
field-signed_on = Firmato il
field-valid_until = Valido fino al
field-procedures = Procedure che disciplina
field-expiring_within_days = In scadenza entro (giorni)
field-target_groups = Destinatari
field-safety_notes = Avvertenze per chi interviene
field-person_id = Persona già nota
field-q = Ricerca
error-already_linked = Le due schede sono già collegate.
household-title = Nucleo familiare
household-none = Nessun nucleo registrato: la persona non risulta vivere con altre persone note al servizio.
household-reserved = Un'altra persona, in una scheda riservata.
household-this = questa scheda
household-head = persona di riferimento
household-leave = Togli dal nucleo
household-dissolve = Sciogli il nucleo
household-add-title = Aggiungi al nucleo una persona delle stesse segnalazioni
household-add = Aggiungi al nucleo
household-relationship-to = Rapporto di parentela con { $name }
household-saved = Nucleo aggiornato.
household-add-intake = Aggiungi il nucleo di { $name }
household-added-intake = Aggiunte le persone del nucleo: controllare ruolo ed età.
relationship-genitore = genitore
relationship-figlio = figlio/a
relationship-partner = partner
relationship-altro_familiare = altro familiare
relationship-convivente = convivente
field-member_id = Persona
field-relationship = Rapporto di parentela
validation-first_person = { $field }: la prima persona è quella a cui si riferiscono le altre; lasciare vuoto.
validation-other_household = { $field }: la persona fa già parte di un altro nucleo; toglierla prima da quello.
validation-user_or_organisation = { $field }: indicare un utente oppure un'organizzazione, non entrambi.
validation-unknown_user = { $field }: nessun utente attivo con questo nome utente nell'Ambito.
person-relationship-first = { $relationship } della persona 1
intake-relationship-label = Rapporto di parentela con la persona 1
intake-relationship-none = Nessuno (non dello stesso nucleo)
audit-section-household = nucleo familiare
privacy-title = Protezione dei dati
privacy-none = Nessuna informativa, consenso o richiesta registrati.
privacy-restricted = Trattamento limitato su richiesta della persona: la scheda non è più proposta alla registrazione delle segnalazioni.
privacy-kind-informativa = Informativa data
privacy-kind-consenso = Consenso
privacy-kind-revoca_consenso = Revoca del consenso
privacy-kind-limitazione = Richiesta di limitazione del trattamento
privacy-kind-cancellazione = Richiesta di cancellazione
privacy-kind-opposizione = Opposizione al trattamento
privacy-how-orale = a voce
privacy-how-scritta = per iscritto
privacy-how-mediatore = tramite mediatore
privacy-how-non_possibile = non è stato possibile darla: da dare appena possibile
privacy-how-none = Solo per l'informativa
privacy-how-hint = Per l'informativa: come è stata data.
privacy-recipient = con { $name }
privacy-pending = in attesa di decisione del coordinamento
privacy-decided = { $decision } il { $date }: { $reason }
privacy-decision-accolta = Accolta
privacy-decision-respinta = Respinta
privacy-decide = Decidi
privacy-decide-label = Decisione su: { $what }
privacy-add-title = Registra informativa, consenso o richiesta
privacy-add-hint = Per un consenso o la sua revoca: quale condivisione e con chi. Le richieste di limitazione, cancellazione e opposizione le decide il coordinamento: una cancellazione accolta anonimizza la scheda.
privacy-add = Registra
privacy-saved = Protezione dei dati aggiornata.
field-on = Data
field-how = Come
field-purpose = Quale condivisione o che cosa riguarda
field-recipient = Con chi
field-decision = Decisione
field-decision_reason = Motivo della decisione
audit-section-privacy = protezione dei dati della persona
audit-section-team = équipe del caso
audit-reason-sections = sezioni lette: { $sections }
audit-reason-conference = riunione d'équipe n. { $id }
audit-section-tasks = compiti dell'équipe
audit-section-follow_ups = esiti da comunicare
audit-section-passaggio = esito del passaggio al servizio sociale
error-already_decided = La richiesta è già stata decisa.
error-already_answered = All'invito è già stata data una risposta, o è stato ritirato.
error-already_ended = La partecipazione all'équipe è già terminata.
error-person_restricted = Il trattamento dei dati della persona è limitato: la scheda non si condivide con la rete.
notice-team-declined = { $name } ({ $organisation }) non partecipa all'équipe di { $code }: { $reason }
dashboard-persons = Persone
dashboard-persons-measure = Misura
dashboard-persons-count = Persone
dashboard-persons-distinct = Persone distinte
dashboard-persons-repeat = Con più di una segnalazione nel periodo
dashboard-persons-sex = Sesso: { $sex }
dashboard-persons-band = Fascia d'età: { $band }
dashboard-persons-band-none = Fascia d'età non nota
dashboard-persons-handed = Passate al servizio sociale
dashboard-persons-again = Di nuovo segnalate entro 90 giorni dal passaggio
dashboard-persons-share = Quota di nuovo segnalate (%)
intake-known-chosen = Scelta una persona già nota (scheda n. { $id }): modificare il nome per cambiare scelta.

# The case team
nav-team = Équipe
team-list-title = Le mie équipe
team-list-lead = I casi condivisi con te dal Pronto Intervento Sociale: vedi solo le sezioni che ti sono state aperte, finché fai parte dell'équipe.
team-invitations = Inviti da accettare
team-invitations-none = Nessun invito in attesa.
team-cases = Casi seguiti
team-cases-none = Nessun caso condiviso con te.
team-decline-reason = Motivo (obbligatorio per rifiutare)
team-accept = Accetta
team-decline = Rifiuta
team-back = Torna alle mie équipe
team-case-title = Caso { $code }
team-section-empty = Nulla di registrato.
team-withheld = Non condivise con te: { $sections }.
team-until = fino al { $day }
team-title = Équipe del caso
team-person-ref = persona n. { $id }
team-person-title = Équipe della { $ref }
team-person-cases = Le sue segnalazioni
team-person-cases-none = Nessuna segnalazione della persona, per ora.
team-none = Nessuno fa ancora parte dell'équipe.
team-remove = Togli { $who } dall'équipe
team-invite-title = Invita nell'équipe
team-invite = Invia l'invito
team-or-organisation = Oppure un'organizzazione della rete
team-no-organisation = Nessuna (invito a un utente)
team-basis-default = Compito di interesse pubblico (casi non protetti)
team-role-responsabile = Responsabile del caso
team-role-referente_sanitario = Referente sanitario
team-role-referente_cav = Referente CAV
team-role-mediatore = Mediatore
team-role-comunita = Comunità
team-role-altro = Altro
team-section-segnalazione = Segnalazione e racconto
team-section-persone = Persone
team-section-valutazione = Valutazione
team-section-intervento = Intervento e risorse attivate
team-section-procedure = Procedure speciali
team-section-passaggio = Passaggio al servizio sociale
team-basis-compito_pubblico = Compito di interesse pubblico
team-basis-consenso = Consenso della persona
team-basis-obbligo_di_legge = Obbligo di legge
team-basis-interesse_vitale = Interesse vitale della persona
team-status-invited = Invitato, in attesa di risposta
team-status-accepted = Nell'équipe
team-status-declined = Ha rifiutato
team-status-removed = Tolto dall'équipe
team-status-expired = Scaduto

## Riunioni d'équipe, compiti condivisi, esiti dopo il passaggio
validation-not_team_member = { $field }: non fa parte dell'équipe del caso (invito accettato e non scaduto).
validation-not_pdf = { $field }: il file non è un PDF (conta il contenuto, non il nome): sono accettati solo documenti PDF, mai programmi o altri file.
validation-file_too_large = { $field }: il file è troppo grande (al massimo 10 MB).
validation-no_consent_recorded = { $field }: nella scheda della persona non risulta un consenso valido (registrarlo prima in «Protezione dei dati»).
field-agenda = Ordine del giorno
field-participants = Partecipanti
field-decisions = Decisioni
field-decisions-item = Decisione { $n }
field-task = Compito
field-owner_member_id = Incaricato
field-due = Entro il
field-rating = Adeguatezza della risposta del PIS
error-minutes_recorded = Il verbale di questa riunione è già stato registrato.
error-not_due = L'esito non è ancora richiesto: lo sarà alla scadenza indicata.
notice-task-overdue = Compito dell'équipe di { $code } in ritardo: incaricato { $owner }, scadenza { $due }.
notice-follow-up-overdue = Esito a { $days } giorni di { $code } non ancora comunicato dal servizio sociale di { $municipality }, nonostante il promemoria.
mail-team-invite-subject = Presidio: invito nell'équipe del caso { $code }
mail-team-person-invite-subject = Presidio: invito nell'équipe che segue una persona (scheda n. { $code })
mail-team-person-invite-body = Il Pronto Intervento Sociale vi invita a far parte dell'équipe che segue una persona nei suoi casi (scheda n. { $code }). Per accettare o rifiutare (con il motivo), aprite Le mie équipe: { $link }
mail-team-invite-body = Il Pronto Intervento Sociale vi invita a far parte dell'équipe del caso { $code }. Per accettare o rifiutare (con il motivo), aprite Le mie équipe: { $link }
    (Per riservatezza questo messaggio non contiene dati personali.)
mail-task-assigned-subject = Presidio: un compito per voi nel caso { $code }
mail-task-assigned-body = La riunione d'équipe del caso { $code } vi ha affidato un compito. Lo trovate, con la scadenza, in Le mie équipe: { $link }
    (Per riservatezza questo messaggio non contiene dati personali.)
mail-follow-up-ask-subject = Presidio: esito a { $days } giorni di { $code } da comunicare
mail-follow-up-ask-body = Sono passati { $days } giorni dalla presa in carico della segnalazione { $code }: il servizio sociale è invitato a comunicare al Pronto Intervento Sociale che cosa è stato della persona.
    Apri gli esiti: { $link }
    (Per riservatezza questo messaggio non contiene dati personali.)
mail-follow-up-reminder-subject = Presidio: esito a { $days } giorni di { $code } da comunicare
mail-follow-up-reminder-body = Il servizio sociale è invitato a comunicare che cosa è stato della persona della segnalazione { $code }, { $days } giorni dopo la presa in carico.
    Apri gli esiti: { $link }
    (Per riservatezza questo messaggio non contiene dati personali.)
task-status-open = Da fare
task-status-in_progress = In corso
task-status-done = Fatto
task-status-cancelled = Annullato
follow-up-outcome-in_carico = Ancora in carico
follow-up-outcome-situazione_risolta = Situazione risolta
follow-up-outcome-trasferito = Trasferito ad altro servizio
follow-up-outcome-contatto_perso = Contatto perso
follow-up-outcome-nuova_emergenza = Nuova emergenza
field-mine = Solo i propri
field-pending = Solo quelli da comunicare
efficacy-title = Efficacia
efficacy-handovers = Passaggi al servizio sociale
efficacy-taken = Presi in carico
efficacy-in-time = Presa visione entro la scadenza
efficacy-asked = Esiti a { $days } giorni richiesti
efficacy-answered = Esiti a { $days } giorni comunicati
efficacy-outcome = Esito a { $days } giorni: { $outcome }
efficacy-ratings = Valutazioni dell'adeguatezza della risposta
efficacy-rating = Valutazione media (da 1 a 5)
nav-follow-ups = Esiti
follow-ups-title = Esiti dopo il passaggio
follow-ups-lead = Dopo la presa in carico di un caso, alle scadenze dell'Ambito (di norma 30 e 90 giorni), il servizio sociale comunica che cosa è stato della persona e quanto è stata adeguata la risposta del Pronto Intervento Sociale.
follow-ups-pending = Da comunicare
follow-ups-none = Nessun esito da comunicare.
follow-ups-answered = Comunicati
follow-ups-answered-none = Nessun esito comunicato finora.
follow-ups-reminded = Sollecitato
follow-ups-no-rating = Non valutata
follow-ups-rating = { $n } su 5
follow-ups-send = Comunica l'esito
follow-up-asked = Esito a { $days } giorni, richiesto dal { $day }
follow-up-rated = adeguatezza { $rating } su 5
conference-list = Riunioni d'équipe
conference-none = Nessuna riunione in programma.
conference-new = Pianifica una riunione
conference-new-title = Nuova riunione d'équipe · { $code }
conference-title = Riunione d'équipe · { $code }
conference-back = Torna alla segnalazione
conference-back-list = Torna all'équipe
conference-back-report = Torna alla segnalazione { $code }
conference-place = Luogo o collegamento video
conference-no-members = Nessun membro ha ancora accettato l'invito: i partecipanti sono scelti tra i membri dell'équipe.
conference-calendar-hint = I partecipanti trovano la riunione nel calendario dei propri turni (se lo hanno attivato), con data, ora e luogo: senza nomi né altri dati del caso.
conference-plan = Pianifica
conference-minutes = Verbale
conference-minutes-text = Verbale della riunione
conference-minutes-done = verbale registrato
conference-minutes-due = verbale da registrare
conference-minutes-none = Il verbale non è ancora stato registrato.
conference-minutes-by = Registrato da { $by } il { $at }
conference-decision = Decisione { $n } (facoltativa): diventa un compito dell'incaricato
conference-record = Registra il verbale
conference-tasks = Compiti decisi
tasks-title = Compiti
person-network = La rete intorno alla persona
person-team-title = Équipe della persona
person-team-lead = Chi fa parte di questa équipe legge, finché l'invito è accettato e non scaduto, le sezioni indicate di tutte le segnalazioni della persona (anche delle schede collegate e di quelle future) e, con la sezione «Persone», il nome e le note di sicurezza. La base giuridica va sempre indicata; il consenso deve risultare in «Protezione dei dati».
person-network-none = Nessun ente della rete segue la persona nei casi che vedete.
team-feed-title = Le riunioni nel calendario del telefono
team-feed-lead = Un indirizzo segreto che l'app calendario del telefono può seguire («iscriviti a un calendario»): mostra le riunioni d'équipe a cui si partecipa, con data, ora, luogo e numero di protocollo, senza altri dati del caso. Se lo si perde, crearne uno nuovo disattiva il precedente.
timeline-conference = Riunione d'équipe · { $place }
timeline-minutes = Verbale della riunione d'équipe del { $day }
timeline-task = Compito deciso in riunione
timeline-task-note = «{ $task }» a { $owner }, entro il { $day }
timeline-task-moved = Compito «{ $task }»
tasks-none = Nessun compito.
task-due = entro il { $day }
task-overdue = In ritardo
task-status-of = Stato di «{ $task }»
task-save = Aggiorna
feed-conference = Riunione d'équipe { $code }

# The network directory
nav-network = Rete e contatti
network-title = Rete e contatti
network-lead = Chi chiamo per… gli enti della rete con i numeri a cui rispondono, prima quelli attivi 24 ore su 24.
network-search = Cerca nella rete
network-q = Chi cerco (nome, tipo, referente)
network-any-kind = Qualunque tipo
network-any-municipality = Qualunque comune
network-any-group = Qualunque destinatario
network-results = Enti trovati
network-none = Nessun ente della rete corrisponde alla ricerca.
network-h24 = 24 ore
network-whole-ambito = Tutto l'Ambito
network-every-group = Tutti i destinatari
network-covers = Comuni serviti
network-covers-pick = Comuni serviti (nessuno spuntato: tutto l'Ambito)
network-groups-pick = Destinatari (nessuno spuntato: tutti)
network-line = Recapito
network-sheet-title = Foglio dei contatti per la notte
network-sheet-lead = I recapiti attivi 24 ore su 24 degli enti della rete, aggiornati al { $at }.
network-print = Stampa
network-new-title = Aggiungi un ente della rete
network-edit = Modifica la scheda dell'ente
network-save = Salva la scheda
network-saved = Scheda dell'ente salvata.
network-back = Torna alla rete
network-reports-as = Segnala al servizio come
network-not-reporting = Non segnala al servizio
network-reporting-hint = Con un tipo di segnalante, l'ente compare tra gli enti della rete che si possono scegliere registrando una segnalazione, e le statistiche contano le sue segnalazioni.
network-quick-title = Chi chiamo?
network-quick-lead = Gli enti per il comune e i destinatari di questa segnalazione. Tasto R: al primo numero, Invio per chiamare.
contact-kind-h24 = 24 ore su 24
contact-kind-ufficio = Orario d'ufficio
audit-section-network = rete e contatti
notice-protocol-expiring = Il protocollo «{ $title }» scade il { $day } (tra { $days } giorni): rinnovarlo o prenderne atto.
mail-protocol-expiring-subject = Presidio: il protocollo «{ $title }» scade il { $day }
mail-protocol-expiring-body = Il protocollo «{ $title }» scade il { $day }, tra { $days } giorni. La scheda, con le parti e il documento firmato: { $link }
audit-record-protocol = Protocollo
audit-record-protocols = Protocolli
audit-section-document = documento firmato
protocols-title = Protocolli e accordi di rete
protocols-lead = I protocolli operativi, gli accordi di rete e le convenzioni con gli enti del territorio, prima quelli che scadono prima. Il coordinamento riceve un avviso 60 e 30 giorni prima della scadenza.
protocols-all = Tutti i protocolli
protocols-expiring = Solo quelli in scadenza o scaduti
protocols-new = Aggiungi un protocollo
protocols-none = Nessun protocollo registrato.
protocols-back = Torna ai protocolli
protocols-renewals = Rinnovi
protocols-documents = Documento firmato
protocols-no-document = Nessun documento caricato.
protocols-upload = Carica il documento
protocols-edit = Modifica o rinnova il protocollo
protocols-save = Salva il protocollo
protocols-saved = Protocollo salvato.
protocols-document-saved = Documento caricato.
protocol-valid = Valido fino al { $day }
protocol-expiring = Scade tra { $days } giorni ({ $day })
protocol-expired = Scaduto il { $day }
protocol-renewed = Rinnovato il { $at }: dal { $from } al { $to }
protocol-document-detail = { $kb } kB · SHA-256 { $sha }…
protocol-kind-protocollo_operativo = Protocollo operativo
protocol-kind-accordo_di_rete = Accordo di rete
protocol-kind-convenzione = Convenzione
board-protocols = Protocolli della rete: { $expiring } in scadenza, { $expired } scaduti.
procedure-protocols = I protocolli della rete che disciplinano questa procedura:
procedure-governing = { $title } (valido fino al { $day })

## The training register
nav-training = Formazione
training-title = Registro della formazione
training-lead = I corsi frequentati da operatori e volontari, chi non ha ancora la formazione richiesta per il proprio ruolo, e le ore di ciascuno per anno.
training-back = Torna al registro della formazione
training-gaps = Chi manca di una formazione richiesta
training-no-gaps = Nessuno: tutti hanno la formazione richiesta per il proprio ruolo.
training-gap-never = Mai frequentato
training-gap-soon = Aggiornamento in scadenza
training-gap-late = In ritardo
training-col-person = Persona
training-col-due = Entro il
training-col-state = Stato
training-col-year = Anno
training-col-kind = Tipo
training-col-organisation = Ente
training-col-course = Corso
training-col-from = Dal
training-col-to = Al
training-col-when = Quando
training-col-certificate = Attestato
training-certified-yes = sì
training-certified-no = no
training-courses = Corsi
training-no-courses = Nessun corso registrato.
training-course-new = Registra un corso
training-course-save = Registra il corso
training-course-saved = Corso registrato.
training-course-detail = { $hours } ore · { $count ->
        [one] 1 partecipante
       *[other] { $count } partecipanti
    }
training-days = dal { $from } al { $to }
training-field-hours = Ore
training-field-provider = Ente formatore
training-field-date = Primo giorno
training-field-organisation = Ente di appartenenza
training-no-organisation = Nessun ente
training-mode-presenza = In presenza
training-mode-online = Online
training-mode-mista = Mista
training-hours = Ore di formazione per persona e anno
training-no-hours = Nessuna presenza registrata.
training-export-csv = Scarica le presenze (CSV)
training-export-xlsx = Scarica le presenze (Excel)
training-operator = Operatore
training-operators = Operatori
training-volunteer = Volontario
training-volunteers = Volontari
training-volunteers-lead = Chi partecipa ai corsi senza essere un utente di Presidio, con il proprio ente.
training-no-volunteers = Nessun volontario registrato.
training-volunteer-new = Aggiungi un volontario
training-volunteer-saved = Volontario aggiunto.
training-since = dal { $day }
training-requirements = Formazione richiesta per ruolo
training-no-requirements = Nessuna formazione richiesta.
training-requirement = { $role }: { $topic }{ $within ->
        [0] {""}
       *[other] , entro { $within } mesi dall'inizio
    }{ $every ->
        [0] , una volta
       *[other] , da ripetere ogni { $every } mesi
    }
training-requirement-new = Aggiungi o modifica un requisito
training-requirement-remove = Rimuovi
training-requirement-remove-of = Rimuovi il requisito: { $requirement }
training-requirements-saved = Requisiti aggiornati.
training-topics = Argomenti
training-topic-new = Aggiungi un argomento
training-topic-saved = Argomento aggiunto.
training-topic-multidisciplinare = Approccio multidisciplinare
training-topic-interculturale = Approccio interculturale
training-topic-alta_complessita = Situazioni ad alta complessità
training-topic-msna = Procedura MSNA
training-topic-violenza_genere = Violenza di genere
training-topic-sicurezza_operatore = Sicurezza dell'operatore
training-topic-privacy = Privacy e protezione dei dati
training-attendance = Presenze
training-no-attendance = Nessuna presenza registrata per questo corso.
training-attendance-new = Registra una presenza
training-attendance-save = Registra la presenza
training-attendance-saved = Presenza registrata.
training-certificate = Attestato
training-certificate-of = Attestato di { $name } (PDF, al massimo 10 MB)
training-certificate-upload = Carica l'attestato
training-certificate-saved = Attestato caricato.
training-certificate-detail = { $name } · { $kb } kB · SHA-256 { $sha }…
field-topic = Argomento
field-topic_name = Nuovo argomento
field-within_months = Entro quanti mesi dall'inizio
field-every_months = Da ripetere ogni quanti mesi
field-started_on = In servizio dal
field-attendee = Partecipante
field-volunteer_id = Volontario
field-certificate = Attestato (PDF, al massimo 10 MB)
audit-section-training = formazione
audit-section-certificate = attestato di formazione
audit-record-training = Registro della formazione
audit-record-course = Corso di formazione
audit-record-volunteer = Volontario
audit-record-volunteers = Volontari
audit-record-training_requirement = Requisiti di formazione
audit-record-training_topic = Argomenti della formazione
error-already_attended = La presenza di questa persona al corso è già registrata.
summary-training = Formazione
summary-training-count = { $count ->
        [0] Tutti hanno la formazione richiesta.
        [one] 1 formazione richiesta mancante o in scadenza
       *[other] { $count } formazioni richieste mancanti o in scadenza
    }
board-training = Formazione: { $count ->
        [one] 1 formazione richiesta mancante o in scadenza.
       *[other] { $count } formazioni richieste mancanti o in scadenza.
    }

## The outbox
board-undelivered = Allarme non consegnato a { $name }: «{ $subject }» ({ $at }, { $attempts ->
        [one] 1 tentativo
       *[other] { $attempts } tentativi
    }). Avvisare per telefono.
audit-record-outbox = Messaggi in uscita
audit-record-push_key = Chiave delle notifiche push
audit-record-push_subscription = Dispositivo iscritto alle notifiche push
audit-section-outbox = messaggi in uscita
outbox-title = Messaggi in uscita
outbox-lead = Le e-mail di Presidio degli Ambiti che amministri, le più recenti prima: quelle non consegnate sono ritentate da sole, con attese crescenti, fino a quando Presidio rinuncia.
outbox-every-state = Tutti gli stati
outbox-filter = Mostra
outbox-none = Nessun messaggio.
outbox-col-created = In coda dal
outbox-col-recipient = Destinatario
outbox-col-subject = Oggetto
outbox-col-kind = Tipo
outbox-col-attempts = Tentativi
outbox-col-detail = Esito
outbox-safety = Allarme
outbox-message = Messaggio
outbox-state-queued = In coda
outbox-state-sent = Consegnato
outbox-state-failed = Non consegnato, da ritentare
outbox-state-gave_up = Non consegnato, abbandonato
outbox-sent-at = consegnato il { $at }
outbox-subscription-gone = Il dispositivo non è più iscritto alle notifiche (iscrizione rimossa)
outbox-no-channel = Nessun recapito: la persona non ha indicato un indirizzo per alcun canale
