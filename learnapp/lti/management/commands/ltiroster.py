from django.core.management.base import BaseCommand, CommandError

from learnapp.classes.models import Classroom
from learnapp.lti.nrps import sync_roster
from learnapp.lti.services import ServiceError


class Command(BaseCommand):
    help = "Sync a class linked to an LMS course with the course's roster (LTI Names and Roles)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sync = sub.add_parser("sync", help="Add the course's learners and teachers to the class.")
        sync.add_argument("class_id", type=int)

    def handle(self, *args, action: str, class_id: int, **options):
        classroom = Classroom.objects.filter(pk=class_id).first()
        if classroom is None:
            raise CommandError(f"There is no class {class_id}.")
        try:
            result = sync_roster(classroom)
        except ServiceError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{classroom.name}: {result.summary()}")
