/**
 * The grammar of a SQL script (peggy): statements separated by `;`, comments (`--`, `/* *\/`),
 * the EVENT_SUBSCRIPTION and VIEW statements parsed here, and queries (`SELECT`, `WITH`) kept as
 * text with their position, for the SQL parser (node-sql-parser) to read (and refuse, when
 * it is not a SELECT).
 */
export const SQL_SCRIPT_GRAMMAR = String.raw`
Script
  = _ head:Statement? tail:(_ ";" _ @Statement?)* _ { return [head, ...tail].filter(Boolean); }

Statement
  = CreateSubscription / AlterSubscription / DropSubscription / SubscriptionAction
  / ShowCreate / ShowSubscriptions / CreateView / DropView / ShowViews / Query

CreateSubscription
  = CREATE __ EVENT_SUBSCRIPTION __ ifNotExists:(IF __ NOT __ EXISTS __)? name:Name _ AS _ options:OptionList
    { return { kind: 'create_subscription', name, ifNotExists: Boolean(ifNotExists), options, loc: location() }; }

AlterSubscription
  = ALTER __ EVENT_SUBSCRIPTION __ name:Name _ SET _ options:OptionList
    { return { kind: 'alter_subscription', name, options, loc: location() }; }

DropSubscription
  = DROP __ EVENT_SUBSCRIPTION __ ifExists:(IF __ EXISTS __)? name:Name
    { return { kind: 'drop_subscription', name, ifExists: Boolean(ifExists), loc: location() }; }

SubscriptionAction
  = action:(PAUSE / RESUME / RESET / RESYNC) __ EVENT_SUBSCRIPTION __ name:Name
    { return { kind: 'subscription_action', action: action.toLowerCase(), name, loc: location() }; }

ShowCreate
  = SHOW __ CREATE __ EVENT_SUBSCRIPTION __ name:Name
    { return { kind: 'show_create', name, loc: location() }; }

ShowSubscriptions
  = SHOW __ EVENT_SUBSCRIPTIONS like:(__ LIKE _ @StringLiteral)?
    { return { kind: 'show_subscriptions', like: like ?? undefined, loc: location() }; }

CreateView
  = CREATE __ replace:(OR __ REPLACE __)? VIEW __ name:Name _ AS _ query:Query
    { return { kind: 'create_view', name, orReplace: Boolean(replace), query, loc: location() }; }

DropView
  = DROP __ VIEW __ ifExists:(IF __ EXISTS __)? name:Name
    { return { kind: 'drop_view', name, ifExists: Boolean(ifExists), loc: location() }; }

ShowViews
  = SHOW __ VIEWS { return { kind: 'show_views', loc: location() }; }

Query
  = !(CREATE / ALTER / DROP / SHOW / PAUSE / RESUME / RESET / RESYNC) &[A-Za-z(] text:$(QueryPart+)
    { return { kind: 'query', text: text.trimEnd(), loc: location() }; }

QueryPart
  = StringLiteral / QuotedIdentifier / Comment / [^;'"\x60\-/] / "-" !"-" / "/" !"*"

OptionList
  = "(" _ head:Option tail:(_ "," _ @Option)* _ ","? _ ")" { return [head, ...tail]; }
  / "(" _ ")" { return []; }

Option
  = name:Identifier _ "=" _ value:Value { return { name: name.value, nameLoc: name.loc, value, loc: location() }; }
  / name:Identifier _ !"=" { error('expected "=" and a value after option ' + name.value); }

Value
  = v:StringLiteral { return { type: 'string', value: v, loc: location() }; }
  / v:Number { return { type: 'number', value: v, loc: location() }; }
  / TRUE { return { type: 'boolean', value: true, loc: location() }; }
  / FALSE { return { type: 'boolean', value: false, loc: location() }; }
  / NULL { return { type: 'null', value: null, loc: location() }; }
  / JSON_ARRAY _ "(" _ items:ValueList? _ ")" { return { type: 'array', items: items ?? [], loc: location() }; }
  / JSON_OBJECT _ "(" _ items:ValueList? _ ")" { return { type: 'object', items: items ?? [], loc: location() }; }
  / ":" name:$([A-Za-z_][A-Za-z0-9_]*) { return { type: 'param', name, loc: location() }; }
  / id:Identifier { return { type: 'identifier', value: id.value, loc: location() }; }

ValueList
  = head:Value tail:(_ "," _ @Value)* { return [head, ...tail]; }

Name
  = QuotedIdentifier
  / $([A-Za-z0-9_] [A-Za-z0-9_\-]*)

Identifier
  = v:$([A-Za-z_] [A-Za-z0-9_]*) { return { value: v, loc: location() }; }

QuotedIdentifier
  = "\x60" v:$([^\x60]*) "\x60" { return v; }
  / '"' v:$([^"]*) '"' { return v; }

StringLiteral "string"
  = "'" chars:StringChar* "'" { return chars.join(''); }

StringChar
  = "''" { return "'"; }
  / "\\" c:. { return ({ n: '\n', t: '\t', r: '\r', '0': '\0' })[c] ?? c; }
  / [^'\\]

Number "number"
  = v:$("-"? [0-9]+ ("." [0-9]+)? ([eE] [+-]? [0-9]+)?) { return Number(v); }

Comment
  = "--" [^\n]*
  / "/*" (!"*/" .)* "*/"

_ "whitespace"
  = ([ \t\r\n] / Comment)*

__ "whitespace"
  = ([ \t\r\n] / Comment)+

Word = [A-Za-z0-9_]
CREATE = "CREATE"i !Word
ALTER = "ALTER"i !Word
DROP = "DROP"i !Word
PAUSE = v:"PAUSE"i !Word { return v; }
RESUME = v:"RESUME"i !Word { return v; }
RESET = v:"RESET"i !Word { return v; }
RESYNC = v:"RESYNC"i !Word { return v; }
SHOW = "SHOW"i !Word
EVENT_SUBSCRIPTION = "EVENT_SUBSCRIPTION"i !Word
EVENT_SUBSCRIPTIONS = "EVENT_SUBSCRIPTIONS"i !Word
VIEW = "VIEW"i !Word
VIEWS = "VIEWS"i !Word
IF = "IF"i !Word
NOT = "NOT"i !Word
EXISTS = "EXISTS"i !Word
AS = "AS"i !Word
SET = "SET"i !Word
LIKE = "LIKE"i !Word
OR = "OR"i !Word
REPLACE = "REPLACE"i !Word
SELECT = "SELECT"i !Word
WITH = "WITH"i !Word
TRUE = "TRUE"i !Word
FALSE = "FALSE"i !Word
NULL = "NULL"i !Word
JSON_ARRAY = "JSON_ARRAY"i !Word
JSON_OBJECT = "JSON_OBJECT"i !Word
`;
