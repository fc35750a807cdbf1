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
nav-about = Informazioni
nav-api = API
user-anonymous = Accesso non effettuato
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
error-conflict = Il dato è stato modificato da un'altra persona dopo la lettura: ricaricare e riprovare.
error-unavailable = Il servizio non è momentaneamente disponibile: l'archivio dati non risponde.
error-timeout = La richiesta ha impiegato troppo tempo.
error-internal = Errore interno. Il problema è stato registrato.
error-unauthorized = Autenticazione richiesta.
error-forbidden = Operazione non consentita.
error-page-title = { $status ->
    [404] Pagina non trovata
   *[other] Errore
}
error-page-back = Torna all'inizio

## Validazione: { $field } è il nome del campo
validation-required = { $field }: campo obbligatorio.
validation-too_long = { $field }: testo troppo lungo.
validation-invalid_istat_code = { $field }: deve essere di 6 cifre (ad esempio 015182).
validation-invalid_belfiore_code = { $field }: deve essere una lettera seguita da 3 cifre (ad esempio H264).
validation-invalid_province = { $field }: indicare la sigla di 2 lettere (ad esempio MI).
validation-invalid_postal_code = { $field }: deve essere di 5 cifre.
validation-invalid_month_day = { $field }: indicare mese e giorno nel formato MM-GG (ad esempio 05-08).
validation-negative = { $field }: deve essere un numero intero non negativo.
validation-duplicate = { $field }: valore già in uso.
validation-invalid_code = { $field }: da 2 a 40 lettere minuscole, cifre o trattini.

## Nomi dei campi
field-code = Codice
field-name = Nome
field-istat_code = Codice ISTAT
field-belfiore_code = Codice catastale
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
cli-config-ok = Configurazione valida; l'archivio dati { $url } risponde.
