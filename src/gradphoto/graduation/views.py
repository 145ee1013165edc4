"""University staff: select and register graduates, see the outcome, file re-checks, correct diplomas."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gradphoto.accounts.models import Role
from gradphoto.common import clock
from gradphoto.common.access import role_required
from gradphoto.common.errors import DomainError
from gradphoto.common.typing import AuthedRequest

from . import selectors, services
from .access import get_batch_for_user, get_diploma_for_user, registrable_records
from .forms import DiplomaForm, FilterForm, RecheckForm, RegisterForm, SettingsForm, UploadForm
from .gate import gates_for
from .registration import graduates_register, options_for
from .rules import EDITABLE_FIELDS
from .uploads import MAX_FILE_BYTES, records_by_student_no, student_numbers

STAFF = Role.UNIVERSITY_STAFF


def _filters(form: FilterForm) -> selectors.CandidateFilter:
    if not form.is_valid():
        return selectors.CandidateFilter()
    data = form.cleaned_data
    return selectors.CandidateFilter(
        q=data["q"].strip(),
        major=data["major"].strip(),
        level=data["level"].strip(),
        include_done=data["include_done"],
    )


@role_required(STAFF)
@require_GET
def candidates(request: AuthedRequest) -> HttpResponse:
    """The school's graduates to register, with the gate of each row on the page."""
    filter_form = FilterForm(request.GET)
    filters = _filters(filter_form)
    page = Paginator(selectors.candidates(request.user, filters), 50).get_page(request.GET.get("page"))
    school = request.user.organisation
    assert school is not None
    prefs = selectors.school_settings(school)
    gates = gates_for(page.object_list, options_for(school), clock.today())
    initial = {"school_type": prefs.school_type}
    return render(
        request,
        "graduation/candidates.html",
        {
            "page": page,
            "rows": [(record, gates[record.pk]) for record in page],
            "filter_form": filter_form,
            "filters": filters,
            "register_form": RegisterForm(initial=initial),
            "upload_form": UploadForm(initial=initial, prefix="upload"),
            "prefs": prefs,
            "query": request.GET.urlencode(),
        },
    )


def _register(
    request: AuthedRequest, form: RegisterForm, ids: list[int], source: str, refused: list[Any] | None = None
) -> HttpResponse:
    school = request.user.organisation
    assert school is not None
    data = form.cleaned_data
    try:
        options = options_for(
            school,
            graduated_on=data["graduated_on"],
            completion=data["completion"],
            school_type=data["school_type"],
            override_reason=data["override_reason"],
        )
        batch = graduates_register(
            staff=request.user,
            school=school,
            record_ids=ids,
            options=options,
            source=source,
            pre_refused=refused,
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("graduation:candidates")
    return redirect("graduation:batch", batch.pk)


@role_required(STAFF)
@require_POST
def register(request: AuthedRequest) -> HttpResponse:
    """Register the ticked students, or every student matching the filter."""
    form = RegisterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the registration options."))
        return redirect("graduation:candidates")
    if request.POST.get("all_matching") == "1":
        query = selectors.candidates(request.user, _filters(FilterForm(request.POST)))
        ids, source = list(query.values_list("pk", flat=True)), "filter"
    else:
        ids, source = [int(v) for v in request.POST.getlist("record") if v.isdigit()], "selection"
    if not ids:
        messages.error(request, _("Select at least one student."))
        return redirect("graduation:candidates")
    return _register(request, form, ids, source)


@role_required(STAFF)
@require_POST
def upload(request: AuthedRequest) -> HttpResponse:
    """Register the students named in a file of 学号."""
    form = UploadForm(request.POST, request.FILES, prefix="upload")
    if not form.is_valid():
        messages.error(request, _("Choose a file and check the registration options."))
        return redirect("graduation:candidates")
    uploaded = form.cleaned_data["file"]
    if uploaded.size > MAX_FILE_BYTES:
        messages.error(request, _("The file is larger than 10 MB."))
        return redirect("graduation:candidates")
    school = request.user.organisation
    assert school is not None
    try:
        numbers, refused = student_numbers(uploaded.read(), uploaded.name or "")
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("graduation:candidates")
    ids, unknown = records_by_student_no(school, numbers)
    return _register(request, form, ids, "file", refused + unknown)


@role_required(STAFF)
@require_GET
def batch(request: AuthedRequest, batch_id: int) -> HttpResponse:
    found = get_batch_for_user(request.user, batch_id)
    if found is None:
        raise Http404
    diplomas = found.diplomas.select_related("record").order_by("certificate_no")
    page = Paginator(diplomas, 100).get_page(request.GET.get("page"))
    return render(request, "graduation/batch.html", {"batch": found, "page": page})


@role_required(STAFF)
@require_GET
def diplomas(request: AuthedRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    page = Paginator(selectors.diplomas_of_school(request.user, q), 50).get_page(request.GET.get("page"))
    return render(request, "graduation/diplomas.html", {"page": page, "q": q, "today": clock.today()})


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
def diploma(request: AuthedRequest, diploma_id: int) -> HttpResponse:
    """One diploma; before the issue date it can be corrected, afterwards only by an erratum."""
    found = get_diploma_for_user(request.user, diploma_id)
    if found is None:
        raise Http404
    published = found.is_published(clock.today())
    form = DiplomaForm(request.POST or None, diploma=found, erratum=published)
    if request.method == "POST" and form.is_valid():
        try:
            if published:
                services.diploma_erratum(
                    staff=request.user,
                    diploma_id=found.pk,
                    changes=form.changes(),
                    reason=form.cleaned_data["reason"],
                )
            else:
                services.diploma_update(staff=request.user, diploma_id=found.pk, changes=form.changes())
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The diploma is updated."))
            return redirect("graduation:diploma", found.pk)
    errata = [
        (e, [(EDITABLE_FIELDS.get(k, k), e.before.get(k, ""), v) for k, v in e.after.items()])
        for e in found.errata.select_related("by")
    ]
    context = {"diploma": found, "form": form, "published": published, "errata": errata}
    return render(request, "graduation/diploma.html", context)


@role_required(Role.UNIVERSITY_STAFF, Role.STUDENT, Role.OPERATOR)
@require_GET
def diploma_photo(request: AuthedRequest, diploma_id: int) -> HttpResponseBase:
    """The frozen photo: the graduate, the school's staff and operators; 404 for everyone else."""
    found = get_diploma_for_user(request.user, diploma_id)
    if found is None or not default_storage.exists(found.photo_file):
        raise Http404
    response = FileResponse(default_storage.open(found.photo_file, "rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
def recheck(request: AuthedRequest, record_id: int) -> HttpResponse:
    """复核结果备案 for a record blocked by the face comparison."""
    record = registrable_records(request.user).filter(pk=record_id).select_related("school").first()
    if record is None:
        raise Http404
    form = RecheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.recheck_file(staff=request.user, record_id=record.pk, reason=form.cleaned_data["reason"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The re-check is filed."))
            return redirect("graduation:candidates")
    school = request.user.organisation
    assert school is not None
    gate = gates_for([record], options_for(school), clock.today())[record.pk]
    return render(request, "graduation/recheck.html", {"record": record, "gate": gate, "form": form})


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
def school_settings(request: AuthedRequest) -> HttpResponse:
    school = request.user.organisation
    assert school is not None
    prefs = selectors.school_settings(school)
    initial = {"president_name": prefs.president_name, "school_type": prefs.school_type}
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.settings_update(staff=request.user, **form.cleaned_data)
        messages.success(request, _("Settings saved."))
        return redirect("graduation:candidates")
    return render(request, "graduation/settings.html", {"form": form})
