// The Labeller's form (an anywidget front end, see LabelForm in widgets.py).
//
// Why a custom form instead of ipywidgets' Text and Button: ipywidgets sends a text box's value and a button click
// as separate messages, and holds back value updates while the kernel is busy, so a save could reach the kernel
// before the last words of the note did. This form sends the trace id, verdict, note and category together in one
// "save" message, and locks itself until the kernel has answered, so a note is never cut off or carried over to
// the next trace.

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "evalbook-label-form";
  // Keys typed here belong to the form, not to JupyterLab's notebook shortcuts.
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  for (const type of ["keydown", "keypress", "keyup"]) {
    root.addEventListener(type, (event) => event.stopPropagation());
  }

  const row = (...children) => {
    const div = document.createElement("div");
    div.className = "evalbook-row";
    div.append(...children);
    return div;
  };
  const label = (text, control) => {
    const l = document.createElement("label");
    l.textContent = text;
    if (control) {
      l.htmlFor = control.id;
    }
    return l;
  };
  const uid = Math.random().toString(36).slice(2);

  let verdict = "";
  const buttons = {};
  for (const [value, text, title] of [
    ["pass", "Pass", "The trace did its job"],
    ["fail", "Fail", "Something went wrong"],
  ]) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.title = title;
    b.className = `evalbook-verdict evalbook-${value}`;
    b.addEventListener("click", () => setVerdict(verdict === value ? "" : value));
    buttons[value] = b;
  }
  const setVerdict = (value) => {
    verdict = value;
    for (const [v, b] of Object.entries(buttons)) {
      b.setAttribute("aria-pressed", String(v === verdict));
    }
  };

  const note = document.createElement("input");
  note.type = "text";
  note.id = `evalbook-note-${uid}`;
  note.className = "evalbook-note";
  note.placeholder = "The first thing that went wrong, as you saw it. Enter saves.";

  const category = document.createElement("input");
  category.type = "text";
  category.id = `evalbook-category-${uid}`;
  category.className = "evalbook-category";
  category.placeholder = "optional";
  const options = document.createElement("datalist");
  options.id = `evalbook-categories-${uid}`;
  category.setAttribute("list", options.id);

  const save = document.createElement("button");
  save.type = "button";
  save.textContent = "Save and next";
  save.title = "Save this label and go to the next unlabelled trace";
  save.className = "evalbook-save";

  const message = document.createElement("div");
  message.className = "evalbook-message";
  message.setAttribute("role", "status");

  const verdictLabel = label("Verdict");
  root.append(
    row(verdictLabel, buttons.pass, buttons.fail),
    row(label("Note", note), note),
    row(label("Category", category), category, options, save),
    message,
  );
  el.appendChild(root);

  const controls = [buttons.pass, buttons.fail, note, category, save];
  const setBusy = (busy) => {
    for (const c of controls) {
      c.disabled = busy;
    }
  };

  let submittedFrom = null;
  const submit = (event) => {
    submittedFrom = event && event.currentTarget;
    if (!verdict) {
      message.textContent = "Choose Pass or Fail first (Shift+Tab from the note box reaches the buttons).";
      return;
    }
    setBusy(true);
    message.textContent = "Saving...";
    model.send({
      event: "save",
      trace_id: model.get("trace_id"),
      verdict: verdict,
      note: note.value,
      category: category.value,
    });
  };
  save.addEventListener("click", submit);
  for (const input of [note, category]) {
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        submit(event);
      }
    });
  }

  // The kernel sets the fields (for the trace on screen) and bumps `revision`; it bumps `ack` after every save
  // message it has handled, whether or not the label was saved.
  const load = () => {
    setVerdict(model.get("verdict") || "");
    note.value = model.get("note") || "";
    category.value = model.get("category") || "";
    options.replaceChildren(
      ...(model.get("categories") || []).map((c) => Object.assign(document.createElement("option"), { value: c })),
    );
    const empty = !model.get("trace_id");
    for (const c of controls) {
      c.disabled = empty;
    }
  };
  const showMessage = () => {
    message.textContent = model.get("message") || "";
  };
  const onAck = () => {
    setBusy(!model.get("trace_id"));
    showMessage();
    if (submittedFrom && !submittedFrom.disabled && !root.contains(document.activeElement)) {
      submittedFrom.focus(); // keep the keyboard where it was: Enter in the note box, then the next trace
    }
  };
  load();
  showMessage();
  model.on("change:revision", load);
  model.on("change:message", showMessage);
  model.on("change:ack", onAck);
  return () => {
    model.off("change:revision", load);
    model.off("change:message", showMessage);
    model.off("change:ack", onAck);
  };
}

export default { render };
