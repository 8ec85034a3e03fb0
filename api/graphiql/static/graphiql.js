// GraphiQL at /graphql, from the files next to this one: nothing is fetched from another host, so the
// page works on a machine without internet. Queries go to this same address over HTTP, subscriptions
// over graphql-transport-ws to the same origin; the Headers editor (e.g.
// {"Authorization": "Bearer <token>"}) is sent with both (on a websocket, as the connection_init payload).

const endpoint = `${location.origin}${location.pathname}`;
const socket = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${location.pathname}`;

const DEFAULT_QUERY = `# The partnerships API. Put a token in Headers below, e.g.
#   {"Authorization": "Bearer <token>"}
# (python -m api prints one for its demo guild), then run this with Ctrl-Enter.

query Viewer {
  viewer { userId guildIds }
}
`;

const fetcher = GraphiQL.createFetcher({ url: endpoint, subscriptionUrl: socket });

ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultQuery: DEFAULT_QUERY,
    defaultEditorToolsVisibility: "headers",
    isHeadersEditorEnabled: true,
    // A bearer token typed into Headers stays in this tab: not written to localStorage.
    shouldPersistHeaders: false,
    inputValueDeprecation: true,
  }),
);
