/* -t graph: the graph of the targets as Graphviz dot, ninja's layout and
 * labels; nodes and edges are named by their addresses, as ninja's are. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>

struct graphviz {
	struct state *st;
	struct ptrmap nodes, edges;
	struct buf label;
};

static void graph_add(struct graphviz *g, struct node *node)
{
	if (!ptrset_add(&g->nodes, node))
		return;
	/* labels use forward slashes, as on Windows ninja makes them */
	buf_clear(&g->label);
	buf_add(&g->label, node->path, node->pathlen);
	for (size_t i = 0; i < g->label.len; i++)
		if (g->label.s[i] == '\\')
			g->label.s[i] = '/';
	printf("\"%p\" [label=\"%s\"]\n", (void *)node, buf_cstr(&g->label));
	struct edge *e = node->in_edge;
	if (!e || !ptrset_add(&g->edges, e))
		return;
	if (e->dyndep && e->dyndep->dyndep_pending) {
		struct err err = {0};
		if (dyndep_load(g->st, e->dyndep, &err) < 0) {
			cli_warning("%s\n", err.msg);
			err_clear(&err);
		}
	}
	if (e->ninputs == 1 && e->noutputs == 1) {
		/* one in, one out: the rule labels the arrow (the leading
		 * space is ninja's, a cosmetic Graphviz workaround) */
		printf("\"%p\" -> \"%p\" [label=\" %s\"]\n", (void *)e->inputs[0],
		       (void *)e->outputs[0], e->rule->name);
	} else {
		printf("\"%p\" [label=\"%s\", shape=ellipse]\n", (void *)e,
		       e->rule->name);
		for (size_t i = 0; i < e->noutputs; i++)
			printf("\"%p\" -> \"%p\"\n", (void *)e, (void *)e->outputs[i]);
		for (size_t i = 0; i < e->ninputs; i++)
			printf("\"%p\" -> \"%p\" [arrowhead=none%s]\n",
			       (void *)e->inputs[i], (void *)e,
			       edge_is_order_only(e, i) ? " style=dotted" : "");
	}
	for (size_t i = 0; i < e->ninputs; i++)
		graph_add(g, e->inputs[i]);
}

int tool_graph(struct tool_ctx *t, int argc, char **argv)
{
	struct node **nodes;
	size_t n;
	if (tool_targets_from_args(t->st, argc - 1, argv + 1, false, &nodes,
				   &n))
		return 1;
	struct graphviz g = {.st = t->st};
	printf("digraph ninja {\n");
	printf("rankdir=\"LR\"\n");
	printf("node [fontsize=10, shape=box, height=0.25]\n");
	printf("edge [fontsize=10]\n");
	for (size_t i = 0; i < n; i++)
		graph_add(&g, nodes[i]);
	printf("}\n");
	ptrmap_free(&g.nodes);
	ptrmap_free(&g.edges);
	buf_free(&g.label);
	free(nodes);
	return 0;
}
